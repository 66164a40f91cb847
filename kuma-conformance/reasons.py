#!/usr/bin/env python3
"""Turns the reasons that -Dconformance.record=true derives from an outcome ("refused: ...",
"accepted, Kuma refuses it: ...", "changes no Envoy config ...") into explanations, by category
(gateways, MeshService resources, issue 15 items, mistakes in Kuma's own examples, ...), keeping
the observed violations after "Chronomesh:". Reasons already explained are left as they are.
An entry no rule explains gets "TO REVIEW": write its reason by hand.

Usage: python3 kuma-conformance/reasons.py   (rewrites kuma-conformance/known-differences.yaml)
"""
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
p = os.path.join(HERE, "known-differences.yaml")
lines=open(p).read().split('\n')
section=None
out=[]
ITEM1='issue 15 item 1'
REFUSAL_RULES = [
    (('networking.transparentProxying: not supported',), 'Transparent proxying: the redirect listeners (15006/15001), passthrough clusters and generated outbounds are not generated yet, so redirected traffic would be dropped: refused as not supported yet (deliberate until implemented)'),
    (('HTTPS listeners', 'TLS on gateway listeners', 'cross-mesh gateways', 'connection limits of gateway listeners'), 'MeshGateway settings Chronomesh does not generate yet (HTTPS/TLS listeners, tls, crossMesh, resources.connectionLimit): refused as not supported yet (deliberate; docs/gateways.md)'),
    (('kind MeshExternalService', 'kind MeshMultiZoneService', 'backendRef: not supported', 'targetRef.namespace', '_port', '.labels: unknown field', 'reachableBackends', 'must be set with kind MeshService',), 'Real-resource targeting beyond a MeshService by name (MeshExternalService needs a zone egress, MeshMultiZoneService zones; a MeshService by labels or namespace; transparent proxying reachableBackends) is not implemented: refused as not supported yet (deliberate until implemented)'),
    (('kind MeshHTTPRoute as the top-level targetRef of',), 'A top-level MeshHTTPRoute is implemented for the types whose confs apply to a route (MeshTimeout, MeshRetry); MeshRateLimit\'s (per-route limits on gateway routes, beside its gateway `to`, which works) is not implemented yet: refused as not supported yet'),
    (('rules[0].matches: not supported',), "rules[].matches on the caller's spiffeID/SNI: Chronomesh has mTLS now, but these policy types do not yet split their inbound config by caller identity: refused as not supported yet (deliberate until implemented)"),
    (('rules[0].matches: unknown field',), 'MeshTimeout rules[].matches (Kuma 2.14 route-matched inbound timeouts) is not bound: "unknown field" — to implement or declare not supported yet'),
    (('retryOn',), f'retryOn enum: Chronomesh refuses Kuma\'s `5xx` ({ITEM1}, being fixed)'),
    (("must have 'to'",), f'an empty `to: []` is refused ({ITEM1}, being fixed)'),
    (('detectors.healthyPanicThreshold: unknown field',), "Kuma's test case puts healthyPanicThreshold under outlierDetection.detectors, where Kuma's schema has no such field (it belongs to outlierDetection); Kuma ignores unknown fields, Chronomesh refuses them (deliberate: never accept a setting that does nothing)"),
    (('http.set: unknown field',), "Kuma's test case puts set/add beside requestHeadersToAdd (with requestHeadersToAdd: null) instead of inside it; Kuma's schema has no http.set/add, Kuma ignores unknown fields, Chronomesh refuses them (deliberate)"),
    (('localityAwareness.crossZone: not supported',), 'MeshLoadBalancingStrategy crossZone failover needs zones, and Chronomesh has one: refused as not supported yet (deliberate until multi-zone; localZone affinity is implemented)'),
    (('routing:', 'meshServices:', 'meshServices.mode: not supported', 'networking: not supported', 'logging:', 'tracing:',), 'Mesh setting without a Chronomesh implementation (routing, meshServices modes other than Disabled, networking, logging, tracing: observability and egress are later issues): refused as not supported yet (deliberate)'),
    (('listeners: unknown field', 'has to contain at least one inbound interface or gateway',), 'Dataplanes without inbounds (transparent-proxy or outbound-only) and zone-proxy `listeners` are not supported: Chronomesh requires an inbound or a gateway — to decide (implement or refuse as not supported yet)'),
    (('spec: unknown field',), 'The docs\' example (2.2-2.3) wraps a universal Mesh in `spec:`; Kuma\'s universal parser ignores unknown fields (pkg/util/proto FromJSON AllowUnknownFields) and applies an empty Mesh; Chronomesh refuses unknown fields (deliberate: never accept a setting that does nothing)'),
    (('inbound: unknown field',), 'The docs\' example puts `inbound` beside `networking` instead of inside it; Kuma ignores the unknown field and applies a Dataplane without inbounds; Chronomesh refuses unknown fields (deliberate)'),
    (('rules[0].path: unknown field',), 'The docs\' example (meshtcproute.md) has a MeshHTTPRoute rule with `matches: null` and a `path` beside it; Kuma ignores the unknown `path`; Chronomesh refuses unknown fields and requires matches (REST schema: matches is required)'),
    (('native Envoy resource is not valid: Failed to parse duration: "3h"',), 'MeshProxyPatch value with an Envoy duration written "3h": protobuf JSON wants "10800s"; Chronomesh parses values as Envoy protos and refuses it, Kuma (YAML → proto through its own conversion) accepts it — to check against Kuma\'s parsing'),
    (('onRateLimit.status: must be an HTTP status code Envoy knows',), 'MeshRateLimit onRateLimit.status 123: Kuma accepts any integer above zero and puts it in Envoy\'s HttpStatus.code, whose validate.rules say enum defined_only: every sidecar would NACK the config (envoy/type/v3/http_status.proto). Chronomesh refuses statuses outside Envoy\'s StatusCode enum instead (deliberate, docs/policies/meshratelimit.md)'),
    (('conf.aggregate: not supported',), "Prometheus `aggregate` needs kuma-dp's metrics hijacker, whose Unix socket Chronomesh cannot address (its stats endpoint forwards to Envoy's admin): refused as not supported yet (a Dataplane's or a Mesh's)"),
    (('sectionName: not supported',), 'sectionName on a MeshService (MeshService mode) refused as not supported yet (issue 15 item 2)'),
    (('matching the SNI of the TLS connection',), 'MeshTrafficPermission matches on `sni` are how Kuma permits MeshExternalService traffic through a zone egress, which Chronomesh does not have: refused as not supported yet (deliberate until zone egress; docs/policies/meshtrafficpermission.md)'),
]
UNBOUND = ['localZone','crossZone','hashPolicies','healthyPanicThreshold','http.set: unknown','rateLimitedBackOff','hostSelection']
ITEM3 = [('networking.admin','networking.admin'),('].name: not supported','inbound name'),('serviceProbe','inbound serviceProbe'),('constraints:','Mesh constraints'),('metrics: not supported','metrics (until MeshMetric)'),('skipCreatingInitialPolicies','skipCreatingInitialPolicies')]


def outcome_reason(key, r):
    t, name = key.split('/',1)
    obs = r
    if r.startswith('accepted, Kuma refuses it'):
        detail = r[len('accepted, Kuma refuses it'):].lstrip(': ').replace('kuma-violation: ','').replace('rest-schema: ','')
        if t=='dataplane':
            cat='Dataplane validation gap: Chronomesh accepts what Kuma\'s dataplane_validator.go refuses (addresses, serviceAddress/servicePort overlap, gateway protocol, builtin-gateway outbounds, unknown kuma.io/protocol) — to fix'
        elif t=='mesh':
            cat='Mesh validation gap — to fix'
        else:
            cat=f'Validation gap ({ITEM1}: empty sections, paths, hostnames, header modifiers, ...): Chronomesh accepts what Kuma refuses — to fix'
        return f'{cat}. Kuma: {detail}' if detail else cat
    if r.startswith('refused: '):
        d=r[len('refused: '):]
        cats=[]
        def has(s): return s in d
        cats = [text for keys, text in REFUSAL_RULES if any(has(k) for k in keys)]
        if not cats and any(has(f) for f in UNBOUND):
            cats.append('a Kuma field Chronomesh does not bind gets "unknown field" (issue 15 item 3: implement, or declare @NotSupportedYet)')
        item3=[n for k,n in ITEM3 if has(k)]
        if item3:
            cats.append('Not implemented yet, refused as not supported yet: ' + ', '.join(item3) + ' (issue 15 item 3)')
        if not cats:
            cats.append('TO REVIEW')
        return ' / '.join(dict.fromkeys(cats)) + '. Chronomesh: ' + d
    return r

def effect_reason(key, r):
    id = key.split(' ')[0]
    t = id.split('/')[0]
    text=open(os.path.join(HERE, 'src/test/resources/kuma', id + '.yaml')).read()
    if t=='meshtrafficpermission' and ' ' not in key and not re.search(r'action: Allow|allow:|allowWithShadowDeny:', text):
        return 'MeshTrafficPermission that only denies: an inbound that terminates the mesh\'s mTLS already denies every caller while no permission allows one (Kuma 2.6+\'s default, docs/policies/meshtrafficpermission.md), so the decision and the RBAC filter stay the same — not a defect'
    if t=='meshtls' and (key.endswith('.mode') or (' ' not in key and not re.search(r'tlsVersion:|tlsCiphers:', text))) and 'mode: Strict' in text:
        return 'MeshTLS mode Strict on the measuring mesh, whose backend is STRICT: the inbounds are Strict already (one filter chain with the mesh\'s TLS, a client certificate required), so Strict changes nothing, as Kuma\'s Strict on a Strict mesh — not a defect (docs/policies/meshtls.md)'
    if 'sectionName' in text and re.search(r'^  to:\n(.*\n)*?      sectionName:', text, re.M) and ('to[' in key or ' ' not in key):
        return 'MeshService-mode example: to[].targetRef.sectionName names a port of a MeshService resource, which Chronomesh does not have; accepted and changes nothing (issue 15 item 2: refuse as not supported yet)'
    if t=='meshhealthcheck' and re.search(r'tcp:\n\s*disabled: true', text) and 'http:' not in text and 'grpc:' not in text:
        return 'a health check whose only check (TCP) is disabled, towards a TCP service: there is no health check to configure, as in Kuma (selectHealthCheckType gives HCNone) — not a defect'
    if t=='meshproxypatch' and 'kind: MeshGateway' in text and 'origin: gateway' in text and 'streamIdleTimeout' in text:
        return 'the patch replaces /streamIdleTimeout, which only the gateway\'s connection managers have (the admin listener\'s has none, so a patch there fails and changes nothing): without `origin: gateway` it changes the same listeners, as in Kuma — not a defect'
    if t=='meshtimeout' and 'sectionName: http' in text:
        return 'top-level Dataplane sectionName names an inbound by its name; Chronomesh does not support Dataplane inbound `name` yet (issue 15 item 3), so it selects nothing today'
    if t=='meshproxypatch':
        return 'MeshProxyPatch modifications that match resources the measuring mesh does not have (Kuma\'s names such as inbound:127.0.0.1:8080 or outbound:passthrough:ipv4, a gateway origin, or a resource the same document adds and later removes); a patch that matches nothing changes nothing, in Kuma too — not a defect'
    if 'headers[0].type' in key:
        return 'Exact is the default type of a header match (Kuma\'s too): removing it changes nothing — as Kuma'
    if 'valid-empty-faults' in key:
        return 'an empty list of faults sets nothing, as in Kuma — not a defect'
    if 'valid-disable-rate-limit' in key:
        return 'disables a rate limit nothing enabled: nothing to change, as in Kuma — not a defect'
    if 'localityAwareness' in text:
        return 'localityAwareness.disabled in a single-zone mesh: locality-aware balancing has nothing to change without zones, as in Kuma — not a defect'
    return 'TO REVIEW: ' + r

def schema_reason(key, r):
    if 'backendRef' in key and any(key.endswith(x) for x in ('labels','mesh','namespace','proxyTypes','sectionName')):
        return 'real-resource backendRef fields (MeshService resources, namespaces, other meshes) get "unknown field": declare @NotSupportedYet (issue 15 items 2-3) until MeshService exists'
    if 'localityAwareness' in key or 'hashPolicies' in key:
        return 'issue 15 item 3 (MeshLoadBalancingStrategy localityAwareness.localZone/crossZone, hashPolicies where Kuma puts them): implement or declare @NotSupportedYet'
    if 'loadBalancer.random' in key or 'loadBalancer.roundRobin' in key:
        return 'Kuma\'s schema has empty `random: {}` / `roundRobin: {}` objects beside `type`; Chronomesh binds only `type` — bind them (empty objects) or declare @NotSupportedYet'
    if 'rateLimitedBackOff' in key or 'hostSelection' in key:
        return 'issue 15 item 3 (MeshRetry rateLimitedBackOff, hostSelection): implement or declare @NotSupportedYet'
    if 'healthyPanicThreshold' in key:
        return 'issue 15 item 3 (MeshCircuitBreaker healthyPanicThreshold): implement or declare @NotSupportedYet'
    return 'TO REVIEW: ' + r

for ln in lines:
    m=re.match(r'^(\w+):', ln)
    if m: section=m.group(1)
    m=re.match(r'^  "((?:[^"\\]|\\.)*)": "((?:[^"\\]|\\.)*)"$', ln)
    if m and section:
        k=json.loads('"'+m.group(1)+'"'); r=json.loads('"'+m.group(2)+'"')
        if section=='outcomes': r=outcome_reason(k,r)
        elif section=='effects': r=effect_reason(k,r)
        elif section=='schema': r=schema_reason(k,r)
        ln='  '+json.dumps(k, ensure_ascii=False)+': '+json.dumps(r, ensure_ascii=False)
    out.append(ln)
open(p,'w').write('\n'.join(out))

