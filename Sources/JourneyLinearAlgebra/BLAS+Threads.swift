import COpenBLAS

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension BLAS {
  /// OpenBLAS's worker threads (its `OPENBLAS_NUM_THREADS`, by default the cores).
  public static var threads: Int { Int(journey_blas_threads()) }

  /// Ends OpenBLAS's idle worker threads; a threaded BLAS routine starts them again.
  ///
  /// OpenBLAS starts its workers when the library is loaded, and each polls for work
  /// (`sched_yield` in a loop) for about 2^28 cycles before it sleeps: on a free core that
  /// costs about 0.1 CPU-second per worker in every process, whether BLAS runs or not. A
  /// program that does little BLAS work (the `journey` tool: a fit solves systems of a few
  /// dozen unknowns) calls this first. The thread count (``threads``) is unchanged. It
  /// waits for BLAS calls on other threads to end (``call(_:)``): OpenBLAS ends its
  /// workers whether or not they are in the middle of one.
  ///
  /// - Complexity: O(workers): it wakes and joins them.
  public static func releaseIdleThreads() {
    exclusively { journey_blas_release_threads() }
  }

  /// Puts OpenBLAS on one thread for the rest of the process and ends its workers.
  ///
  /// For a program whose BLAS work is small (the `journey` tool: systems of a few dozen
  /// unknowns), where workers cost more than they give: ``releaseIdleThreads()`` alone
  /// ends them only until the next thread-count change (``serially(_:)`` restores the
  /// count after its body, which starts them again, and each then polls a core for about
  /// a tenth of a second).
  ///
  /// - Complexity: O(workers).
  public static func runOnOneThread() {
    exclusively {
      journey_set_blas_threads(1)
      threadsBeforeSerial = 1
      journey_blas_release_threads()
    }
  }

  /// Runs `body` with OpenBLAS on one thread, then restores the thread count.
  ///
  /// OpenBLAS splits a product or a factorisation over its threads, and the partial sums
  /// then add up in another order: results differ in the last bits with the thread count.
  /// Work whose output must be the same bytes on every machine (a fit) runs in here. The
  /// thread count is process-wide: while any caller is inside `serially`, every BLAS call
  /// of the process runs on one thread, and the count is restored when the last one
  /// leaves. The count changes only between BLAS calls (``call(_:)``).
  ///
  /// - Complexity: O(1) besides `body`.
  public static func serially<R>(_ body: () throws -> R) rethrows -> R {
    exclusively {
      if serialSections == 0 {
        threadsBeforeSerial = journey_blas_threads()
        if threadsBeforeSerial != 1 { journey_set_blas_threads(1) }
      }
      serialSections += 1
    }
    defer {
      exclusively {
        serialSections -= 1
        if serialSections == 0 && threadsBeforeSerial != 1 { journey_set_blas_threads(threadsBeforeSerial) }
      }
    }
    return try body()
  }

  /// Runs one BLAS or LAPACK call. OpenBLAS's thread count and its workers are
  /// process-wide, and changing them while a threaded routine runs on another thread
  /// leaves part of that routine's work undone (a wrong result, not a rounding
  /// difference): calls hold a shared lock, the changes (``serially(_:)``,
  /// ``runOnOneThread()``, ``releaseIdleThreads()``) the exclusive one.
  ///
  /// - Complexity: O(1) besides `body` (an uncontended lock: two atomic operations).
  @inline(__always)
  static func call<R>(_ body: () throws -> R) rethrows -> R {
    pthread_rwlock_rdlock(lock)
    defer { pthread_rwlock_unlock(lock) }
    return try body()
  }

  /// Runs `body` while no BLAS call runs.
  static func exclusively<R>(_ body: () throws -> R) rethrows -> R {
    pthread_rwlock_wrlock(lock)
    defer { pthread_rwlock_unlock(lock) }
    return try body()
  }

  /// The lock of ``call(_:)`` and ``exclusively(_:)``, never freed.
  nonisolated(unsafe) static let lock: UnsafeMutablePointer<pthread_rwlock_t> = {
    let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
    pthread_rwlock_init(lock, nil)
    return lock
  }()
  /// Callers inside ``serially(_:)``, and the thread count before the first of them
  /// (guarded by ``lock``, held exclusively).
  nonisolated(unsafe) static var serialSections = 0
  nonisolated(unsafe) static var threadsBeforeSerial: Int32 = 1
}
