/// Dense numbers for byte strings (customer ids, names), in first-seen order: the hash
/// table of ``TransitionAccumulator``, for readers that group rows before accumulating.
///
/// Memory grows with the number of distinct strings and their bytes, whatever they hold.
///
/// - Complexity: O(length of the string) per ``number(of:)``, amortised.
public struct CustomerIndex {
  var table = CustomerTable()

  public init() {
    table.keepsLines = false
  }

  /// The number of `id` (new ids get the next number).
  public mutating func number(of id: UnsafeBufferPointer<UInt8>) -> Int {
    table.find(id, holdoutFraction: 0)
  }

  /// Distinct ids so far.
  public var count: Int { table.count }

  /// The bytes of id `k`.
  public func id(_ k: Int) -> ArraySlice<UInt8> {
    table.withId(k) { ArraySlice($0) }
  }

  /// Bytes held.
  public var storageBytes: Int { table.storageBytes }
}
