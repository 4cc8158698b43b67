import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The temporary files this process has open, so that an interrupted run leaves none
/// behind.
///
/// ``AtomicFile`` and ``AtomicFileWriter`` register each temporary file while it exists.
/// ``installSignalCleanup()`` (called once by the command) makes SIGINT and SIGTERM remove
/// them and exit with `128 + signal` (130, 143). The registry is a fixed table of path
/// buffers allocated once: the signal handler only reads it and calls `unlink`, both
/// async-signal-safe. ``removeStale(in:)`` removes what killed runs left behind.
public enum TemporaryFiles {
  /// Temporary files open at once that the registry tracks (more are written, just not
  /// removed on a signal).
  public static let capacity = 64
  /// The longest path the registry holds, with its terminating zero.
  static let pathCapacity = 4096

  /// `capacity` buffers of `pathCapacity` bytes, each a zero-terminated path.
  nonisolated(unsafe) static let paths: UnsafeMutablePointer<CChar> = {
    let p = UnsafeMutablePointer<CChar>.allocate(capacity: capacity * pathCapacity)
    p.initialize(repeating: 0, count: capacity * pathCapacity)
    return p
  }()
  /// Per buffer: 1 while it holds a live temporary file.
  nonisolated(unsafe) static let live: UnsafeMutablePointer<Int32> = {
    let p = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
    p.initialize(repeating: 0, count: capacity)
    return p
  }()
  static let lock = NSLock()

  /// Records a temporary file; returns its slot for ``unregister(_:)`` (`nil` when the
  /// table is full or the path too long: the file is then just not removed on a signal).
  public static func register(_ path: String) -> Int? {
    let bytes = Array(path.utf8)
    guard bytes.count < pathCapacity else { return nil }
    lock.lock()
    defer { lock.unlock() }
    for slot in 0..<capacity where live[slot] == 0 {
      let buffer = paths + slot * pathCapacity
      for (i, b) in bytes.enumerated() { buffer[i] = CChar(bitPattern: b) }
      buffer[bytes.count] = 0
      live[slot] = 1
      return slot
    }
    return nil
  }

  /// Forgets a temporary file (renamed into place or removed).
  public static func unregister(_ slot: Int?) {
    guard let slot else { return }
    lock.lock()
    live[slot] = 0
    lock.unlock()
  }

  /// Unlinks every registered temporary file. Async-signal-safe: no locks, no allocation.
  public static func removeAll() {
    for slot in 0..<capacity where live[slot] == 1 {
      unlink(paths + slot * pathCapacity)
    }
  }

  /// Makes SIGINT and SIGTERM remove the registered temporary files and exit with
  /// `128 + signal`. Call once, early, from the command (before it starts threads, which
  /// inherit the signal mask).
  ///
  /// The signals are also unblocked: a process started with them blocked (a parent's mask
  /// is inherited) would otherwise never see them.
  public static func installSignalCleanup() {
    _ = paths
    _ = live
    var set = sigset_t()
    sigemptyset(&set)
    for sig in [SIGINT, SIGTERM] {
      signal(sig) { sig in
        TemporaryFiles.removeAll()
        _exit(128 + sig)
      }
      sigaddset(&set, sig)
    }
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
  }

  /// Removes the temporary files (`.NAME.PID.RANDOM.tmp`) that runs which no longer exist
  /// left in `directory`; files of live processes (including this one) stay.
  ///
  /// - Complexity: O(files in `directory`).
  public static func removeStale(in directory: String) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
    let own = getpid()
    for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
      let parts = name.split(separator: ".", omittingEmptySubsequences: false)
      // "", NAME…, PID, RANDOM, "tmp"
      guard parts.count >= 5, let pid = Int32(parts[parts.count - 3]), pid > 0, pid != own,
        UInt32(parts[parts.count - 2]) != nil
      else { continue }
      if kill(pid, 0) == 0 || errno == EPERM { continue }
      unlink((directory as NSString).appendingPathComponent(name))
    }
  }
}
