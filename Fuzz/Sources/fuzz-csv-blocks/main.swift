import FuzzSupport
import JourneyFormats
import JourneyModel

/// A CSV file read from disk in blocks (`CSVReader.forEachRecord(path:…block:…)` and the
/// byte-range reading) against the same bytes read whole from memory. The first byte picks
/// the first block's size (1 to 64 bytes: most records then make it grow), the second the
/// record limit (16 to 271 bytes); the rest is the file. Both readings must give the same
/// records with the same lines and, when one stops at an error, stop at the same record
/// with an error of the same kind and line. One difference is allowed, in a record longer
/// than the limit: read in blocks, such a record is stopped as soon as it passes the limit
/// and named by its first line ("a record of … bytes"), while the whole input in view may
/// show first a field past the limit (named by the line where the field ends) or a quoted
/// field left open to the end of the input, further on in the same record. Anything else
/// traps.
fuzzMain { input in
  guard input.bytes.count > 2 else { return }
  let block = 1 + Int(input.bytes[0]) % 64
  let recordBytes = 16 + Int(input.bytes[1])
  let limits = CSVTokenizer.Limits(fieldBytes: recordBytes, recordBytes: recordBytes, fields: 16)
  let bytes = Array(input.bytes[2...])
  let path = FuzzInput(bytes: bytes).file("blocks.csv")

  /// The records a reading hands out, and where it stopped with an error ("kind line").
  func reading(_ read: ((CSVTokenizer, UnsafeMutableBufferPointer<UInt8>) throws(InputErrors) -> Void) throws -> Void)
    -> (records: [String], error: String?)
  {
    var records: [String] = []
    do {
      try read { (csv, b) throws(InputErrors) in
        records.append("\(csv.line) \(csv.isMalformed) " + csv.texts(in: b).joined(separator: "\u{1F}"))
      }
      return (records, nil)
    } catch let error as InputErrors {
      return (records, error.errors.first.map { "\($0.kind) \($0.line ?? 0)" } ?? "none")
    } catch {
      return (records, "\(error)")
    }
  }
  let whole = reading { body in try CSVReader.forEachRecord(bytes: bytes, file: path, limits: limits, body) }
  let streamed = reading { body in
    try CSVReader.forEachRecord(path: path, limits: limits, block: block, fast: { _, from, _, _ in from }, body)
  }
  let ranged = reading { body in
    try CSVReader.forEachRecord(
      path: path, limits: limits, range: 0..<Int.max, alignStart: false, block: block, fast: { _, from, _, _ in from },
      body)
  }
  /// Whether two readings' errors agree: the same, or the block reading stopping a record
  /// past the limit at its first line where the whole reading names a later line of it.
  func agree(_ whole: String?, _ other: String?) -> Bool {
    if whole == other { return true }
    guard let whole, let other else { return false }
    let (w, o) = (whole.split(separator: " "), other.split(separator: " "))
    guard w.count == 2, o.count == 2, let wl = Int(w[1]), let ol = Int(o[1]) else { return false }
    return (w[0] == "syntax" || w[0] == "limit") && o[0] == "limit" && ol <= wl
  }
  for (name, other) in [("blocks", streamed), ("a byte range", ranged)] {
    if other.records != whole.records || !agree(whole.error, other.error) {
      fatalError(
        "read in \(name) of \(block) bytes: \(other.records.count) records, error \(other.error ?? "none"); "
          + "read whole: \(whole.records.count) records, error \(whole.error ?? "none")")
    }
  }
}
