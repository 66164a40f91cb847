package dev.chronomesh.xds;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's local disk copy of the proxy-configs and endpoints topics: every node's last
 * accepted record and every cluster's last endpoint set, as the record bytes read from Kafka. Only
 * the nodes connected to this gateway are decoded into memory (see {@link NodeSnapshots}); the rest
 * of the fleet stays here.
 *
 * <p>It is a cache, not state: a gateway starts with an empty store in a directory of its own
 * ({@code chronomesh-xds-<pid>-<n>} under the configured parent) and fills it from the topics; the
 * directory is deleted on close, and directories left by gateway processes that are no longer
 * running are deleted at the next start. Writes skip RocksDB's write-ahead log for the same reason.
 * Thread-safe (RocksDB is).
 */
final class NodeStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeStore.class);
  private static final String PREFIX = "chronomesh-xds-";
  private static final long BLOCK_CACHE_BYTES = 8L << 20;
  private static final long WRITE_BUFFER_BYTES = 4L << 20;

  static {
    RocksDB.loadLibrary();
  }

  private final Path dir;
  private final LRUCache blockCache;
  private final ColumnFamilyOptions cfOptions;
  private final DBOptions dbOptions;
  private final WriteOptions writeOptions;
  private final RocksDB db;
  private final List<ColumnFamilyHandle> handles;
  private final ColumnFamilyHandle configs;
  private final ColumnFamilyHandle endpoints;

  private NodeStore(
      Path dir,
      LRUCache blockCache,
      ColumnFamilyOptions cfOptions,
      DBOptions dbOptions,
      RocksDB db,
      List<ColumnFamilyHandle> handles) {
    this.dir = dir;
    this.blockCache = blockCache;
    this.cfOptions = cfOptions;
    this.dbOptions = dbOptions;
    this.writeOptions = new WriteOptions().setDisableWAL(true);
    this.db = db;
    this.handles = handles;
    this.configs = handles.get(1);
    this.endpoints = handles.get(2);
  }

  /**
   * Opens an empty store in a new directory under {@code parent} (created if missing), after
   * deleting the directories of gateway processes that are gone.
   *
   * @throws UncheckedIOException when the directory cannot be created or the store opened
   */
  static NodeStore open(Path parent) {
    try {
      Files.createDirectories(parent);
      deleteAbandoned(parent);
      Path dir = Files.createTempDirectory(parent, PREFIX + ProcessHandle.current().pid() + "-");
      LRUCache cache = new LRUCache(BLOCK_CACHE_BYTES);
      ColumnFamilyOptions cfOptions =
          new ColumnFamilyOptions()
              .setWriteBufferSize(WRITE_BUFFER_BYTES)
              .setMaxWriteBufferNumber(2)
              .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache));
      DBOptions dbOptions =
          new DBOptions()
              .setCreateIfMissing(true)
              .setCreateMissingColumnFamilies(true)
              .setMaxOpenFiles(256);
      List<ColumnFamilyDescriptor> families =
          List.of(
              new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions),
              new ColumnFamilyDescriptor(bytes("proxy-configs"), cfOptions),
              new ColumnFamilyDescriptor(bytes("endpoints"), cfOptions));
      List<ColumnFamilyHandle> handles = new ArrayList<>();
      RocksDB db;
      try {
        db = RocksDB.open(dbOptions, dir.toString(), families, handles);
      } catch (RocksDBException e) {
        cfOptions.close();
        dbOptions.close();
        cache.close();
        deleteTree(dir);
        throw new UncheckedIOException(
            new IOException("cannot open the gateway's disk cache in " + dir, e));
      }
      LOG.info("Gateway disk cache dir={}", dir);
      return new NodeStore(dir, cache, cfOptions, dbOptions, db, handles);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the gateway's disk cache under " + parent, e);
    }
  }

  void putConfig(String nodeId, byte[] record) {
    put(configs, nodeId, record);
  }

  /** The node's last accepted record, null when none. */
  byte[] config(String nodeId) {
    return get(configs, nodeId);
  }

  void deleteConfig(String nodeId) {
    delete(configs, nodeId);
  }

  void putEndpoints(String key, byte[] record) {
    put(endpoints, key, record);
  }

  /** The last endpoint set of {@code <mesh>/<cluster>}, null when none. */
  byte[] endpoints(String key) {
    return get(endpoints, key);
  }

  void deleteEndpoints(String key) {
    delete(endpoints, key);
  }

  /** RocksDB's estimate of how many node configs the store holds. */
  long estimatedConfigs() {
    try {
      return db.getLongProperty(configs, "rocksdb.estimate-num-keys");
    } catch (RocksDBException e) {
      return -1;
    }
  }

  private void put(ColumnFamilyHandle family, String key, byte[] value) {
    try {
      db.put(family, writeOptions, bytes(key), value);
    } catch (RocksDBException e) {
      throw new IllegalStateException("gateway disk cache write failed key=" + key, e);
    }
  }

  private byte[] get(ColumnFamilyHandle family, String key) {
    try {
      return db.get(family, bytes(key));
    } catch (RocksDBException e) {
      throw new IllegalStateException("gateway disk cache read failed key=" + key, e);
    }
  }

  private void delete(ColumnFamilyHandle family, String key) {
    try {
      db.delete(family, writeOptions, bytes(key));
    } catch (RocksDBException e) {
      throw new IllegalStateException("gateway disk cache delete failed key=" + key, e);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Closes the store and deletes its directory. Idempotent enough: call once. */
  @Override
  public void close() {
    handles.forEach(ColumnFamilyHandle::close);
    db.close();
    writeOptions.close();
    cfOptions.close();
    dbOptions.close();
    blockCache.close();
    deleteTree(dir);
  }

  /** Deletes {@code chronomesh-xds-<pid>-*} directories whose process is not running. */
  private static void deleteAbandoned(Path parent) throws IOException {
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, PREFIX + "*")) {
      for (Path d : dirs) {
        String rest = d.getFileName().toString().substring(PREFIX.length());
        int dash = rest.indexOf('-');
        long pid;
        try {
          pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
        } catch (NumberFormatException e) {
          continue;
        }
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
          continue;
        }
        LOG.info("Deleting the disk cache of a gateway process that is gone dir={}", d);
        deleteTree(d);
      }
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("Could not delete the gateway disk cache dir={}", root, e);
    }
  }
}
