# shellcheck shell=bash
# Shared by bin/chronomesh and bin/chronoctl: picks a JDK 21 or newer and makes sure Maven exists.
# The sourcing script defines die(). find_jdk exports JAVA_HOME and sets JAVA_MAJOR.

# The major version of a java binary, or nothing when it does not run.
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}

find_jdk() {
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for d in /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/java/* "$HOME"/.sdkman/candidates/java/* \
    "$HOME"/.jdks/*; do
    [ -d "$d" ] && candidates+=("$d")
  done
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  local best="" best_major=0 home major
  for home in "${candidates[@]}"; do
    [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || continue
    major="$(java_major "$home/bin/java")"
    [ -n "$major" ] || continue
    # JAVA_HOME wins when it is suitable; otherwise take the newest JDK found.
    if [ "$home" = "${JAVA_HOME:-}" ] && [ "$major" -ge 21 ]; then
      best="$home"; best_major="$major"; break
    fi
    if [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best="$home"; best_major="$major"
    fi
  done
  [ -n "$best" ] || die "no JDK 21 or newer found (looked at JAVA_HOME and /usr/lib/jvm/*).
Install one, e.g. 'apt-get install openjdk-21-jdk' or a Temurin 21+, or set JAVA_HOME to it."
  export JAVA_HOME="$best"
  JAVA_MAJOR="$best_major"
}

# Maven builds the project; on a fresh Debian machine (as root) it is installed with apt-get.
ensure_maven() {
  if ! command -v mvn >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "installing Maven with apt-get" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null
    else
      die "Maven (mvn) is needed to build Chronomesh: install it (e.g. 'apt-get install maven')."
    fi
  fi
}
