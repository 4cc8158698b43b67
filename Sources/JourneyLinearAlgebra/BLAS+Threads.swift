import COpenBLAS

extension BLAS {
  /// OpenBLAS's worker threads (its `OPENBLAS_NUM_THREADS`, by default the cores).
  public static var threads: Int { Int(journey_blas_threads()) }

  /// Ends OpenBLAS's idle worker threads; a threaded BLAS routine starts them again.
  ///
  /// OpenBLAS starts its workers when the library is loaded, and each polls for work
  /// (`sched_yield` in a loop) for about 2^28 cycles before it sleeps: on a free core that
  /// costs about 0.1 CPU-second per worker in every process, whether BLAS runs or not. A
  /// program that does little BLAS work (the `journey` tool: a fit solves systems of a few
  /// dozen unknowns) calls this first. The thread count (``threads``) is unchanged.
  ///
  /// - Complexity: O(workers): it wakes and joins them.
  public static func releaseIdleThreads() {
    journey_blas_release_threads()
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
    journey_set_blas_threads(1)
    journey_blas_release_threads()
  }

  /// Runs `body` with OpenBLAS on one thread, then restores the thread count.
  ///
  /// OpenBLAS splits a product or a factorisation over its threads, and the partial sums
  /// then add up in another order: results differ in the last bits with the thread count.
  /// Work whose output must be the same bytes on every machine (a fit) runs in here.
  /// The thread count is process-wide, so concurrent callers should not run BLAS work
  /// that relies on more threads meanwhile.
  ///
  /// - Complexity: O(1) besides `body`.
  public static func serially<R>(_ body: () throws -> R) rethrows -> R {
    let before = journey_blas_threads()
    if before == 1 { return try body() }
    journey_set_blas_threads(1)
    defer { journey_set_blas_threads(before) }
    return try body()
  }
}
