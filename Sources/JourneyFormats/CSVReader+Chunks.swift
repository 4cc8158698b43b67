import Foundation
import JourneyModel

extension CSVReader {
  /// The size in bytes of the regular file at `path`, or `nil` for anything else (a pipe,
  /// a device, a missing file): readers split only regular files into chunks.
  public static func regularFileSize(_ path: String) -> Int? {
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    return Int(info.st_size)
  }
}

/// The block a reading fills from its file: `initial` bytes at first, small enough to
/// stay in the core's second-level cache while the reader goes over it, doubled while a
/// record does not fit, up to twice a record's limit (a record within the limit then
/// always fits, and the tokenizer reports a longer one before the block is full).
///
/// Reading into a block the size of the second-level cache costs less than mapping the
/// file: the kernel's copy runs at cache speed, where a mapping pays for a page-table
/// entry per page on the way in and on the way out (measured in docs/performance.md).
struct ReadBlock {
  private(set) var base: UnsafeMutablePointer<UInt8>
  private(set) var capacity: Int
  /// The size the block may grow to.
  let maximum: Int

  init(initial: Int, limits: CSVTokenizer.Limits) {
    maximum = Swift.max(initial, 2 * limits.recordBytes, 1)
    capacity = Swift.max(1, Swift.min(initial, maximum))
    base = .allocate(capacity: capacity)
  }

  func deallocate() { base.deallocate() }

  /// The first `count` bytes.
  func view(_ count: Int) -> UnsafeMutableBufferPointer<UInt8> { UnsafeMutableBufferPointer(start: base, count: count) }

  /// Makes room for more bytes after the first `carry` (a record not yet complete): the
  /// block doubles when they fill it.
  ///
  /// - Throws: `.limit` when they fill a block of ``maximum`` bytes (the tokenizer stops a
  ///   record past its limit before that; this keeps the reading bounded regardless).
  mutating func makeRoom(after carry: Int, file: String, line: Int, limits: CSVTokenizer.Limits) throws(InputErrors) {
    guard carry >= capacity else { return }
    guard capacity < maximum else {
      throw InputErrors([
        InputError(
          .limit, file: file, line: line, "a record of more than \(carry) bytes; expected at most \(limits.recordBytes) bytes per record")
      ])
    }
    let bigger = Swift.min(maximum, 2 * capacity)
    let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
    fresh.initialize(from: base, count: carry)
    base.deallocate()
    base = fresh
    capacity = bigger
  }

  /// Moves the bytes `from ..< end` to the front; returns how many there are.
  func carry(from position: Int, to end: Int) -> Int {
    if position > 0 && end > position { memmove(base, base + position, end - position) }
    return end - position
  }
}
