import COpenBLAS

extension BLAS {
  /// OpenBLAS's worker threads (its `OPENBLAS_NUM_THREADS`, by default the cores).
  public static var threads: Int { Int(journey_blas_threads()) }

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
