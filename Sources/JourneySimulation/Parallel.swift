import Dispatch
import Foundation

/// Work split over threads so that the thread count never changes a result.
public enum Parallel {
  /// Calls `body(k)` for every `k` in `0..<count` on up to `workers` threads; worker `w`
  /// takes the items `w, w + workers, w + 2·workers, …` in order.
  ///
  /// Each item must write only its own results (its own slot of a buffer, or a
  /// ``Locked`` box), so the outcome does not depend on `workers`. With one worker (or one
  /// item) the items run on the calling thread.
  ///
  /// ```swift
  /// let results = Locked([Double](repeating: 0, count: runs))
  /// Parallel.strided(runs, workers: threads) { r in
  ///   let value = simulate(replicate: r)
  ///   results.withLock { $0[r] = value }
  /// }
  /// ```
  ///
  /// - Parameters:
  ///   - count: the number of items.
  ///   - workers: the largest number of threads to use (at least 1 is used).
  ///   - body: the work of one item, called from any thread.
  /// - Complexity: `count` calls of `body`, spread over `min(workers, count)` threads.
  public static func strided(_ count: Int, workers: Int, _ body: @Sendable (Int) -> Void) {
    guard count > 0 else { return }
    let workers = Swift.max(1, Swift.min(workers, count))
    if workers == 1 {
      for k in 0..<count { body(k) }
      return
    }
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      var k = w
      while k < count {
        body(k)
        k += workers
      }
    }
  }
}

extension Parallel {
  /// Calls `body(k)` for every `k` in `0..<count` on up to `workers` threads; each worker
  /// takes the next item not yet taken, so a worker slowed down (by other processes on the
  /// machine) takes fewer items instead of holding the others up.
  ///
  /// As with ``strided(_:workers:_:)``, each item must write only its own results; which
  /// thread runs an item then changes nothing. With one worker the items run in order on
  /// the calling thread.
  ///
  /// - Complexity: `count` calls of `body` and `count` lock acquisitions, spread over
  ///   `min(workers, count)` threads.
  public static func dynamic(_ count: Int, workers: Int, _ body: @Sendable (Int) -> Void) {
    guard count > 0 else { return }
    let workers = Swift.max(1, Swift.min(workers, count))
    if workers == 1 {
      for k in 0..<count { body(k) }
      return
    }
    let next = Locked(0)
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
      while true {
        let k = next.withLock { k in
          defer { k += 1 }
          return k
        }
        guard k < count else { return }
        body(k)
      }
    }
  }
}

extension Parallel {
  /// ``strided(_:workers:_:)`` with per-thread state: each worker makes one `State` with
  /// `makeState` and passes it to every item it runs (scratch buffers reused between
  /// items). The state must not carry results from one item to the next.
  ///
  /// - Complexity: `count` calls of `body` and `min(workers, count)` calls of `makeState`.
  public static func strided<State>(
    _ count: Int, workers: Int, state makeState: @Sendable () -> State,
    _ body: @Sendable (Int, inout State) -> Void
  ) {
    guard count > 0 else { return }
    let workers = Swift.max(1, Swift.min(workers, count))
    if workers == 1 {
      var state = makeState()
      for k in 0..<count { body(k, &state) }
      return
    }
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      var state = makeState()
      var k = w
      while k < count {
        body(k, &state)
        k += workers
      }
    }
  }
}

/// A value shared between threads, reached only under its lock.
///
/// ```swift
/// let done = Locked(0)
/// let n = done.withLock { $0 += 1; return $0 }
/// ```
public final class Locked<Value>: @unchecked Sendable {
  private var value: Value
  private let lock = NSLock()

  public init(_ value: Value) { self.value = value }

  /// Runs `body` with exclusive access to the value.
  ///
  /// - Complexity: O(1) plus `body`; callers on other threads wait meanwhile.
  public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
    lock.lock()
    defer { lock.unlock() }
    return try body(&value)
  }
}
