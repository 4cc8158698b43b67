import Foundation
import JourneyFormats
import JourneyModel

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The events an ``EventCollector`` folds, also appended to a temporary file, so that it
/// can hold them all after all when one comes out of order (``replay(name:_:)``).
///
/// The file is created in `TMPDIR` (else `/tmp`) and unlinked at once: it has no name, and
/// the system frees it when the collector ends, however the process ends. Events are
/// written 16 bytes each, in blocks of ``blockEvents``. A write that fails (a full disk)
/// keeps the block in memory and sets ``failed``: the collector then holds the events at
/// once, while the file and the block still have them all.
final class EventSpill {
  /// One event as written: its time, customer, phase and channel (-1 when absent); its
  /// bucket follows from its time.
  struct Record {
    var time: Int64
    var customer: Int32
    var phase: Int8
    var channel: Int8
  }

  /// Events per block written.
  static let blockEvents = 1 << 15
  private let fd: Int32
  private var buffer: [Record] = []
  /// Records written to the file.
  private(set) var written = 0
  /// Why a write failed, or `nil`.
  private(set) var failure: String?
  var failed: Bool { failure != nil }

  /// A spill file, or `nil` when none can be created (the collector then holds events).
  init?() {
    let directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    var template = Array((directory.hasSuffix("/") ? directory : directory + "/").utf8CString.dropLast())
    template += Array("journey-events-XXXXXX".utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard descriptor >= 0 else { return nil }
    _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
    fd = descriptor
    buffer.reserveCapacity(Self.blockEvents)
  }

  deinit { close(fd) }

  /// Bytes held in memory.
  var bufferBytes: Int { buffer.capacity * MemoryLayout<Record>.stride }

  /// Appends one event of customer `k`.
  @inline(__always)
  func append(_ e: EventCollector.Pending, customer k: Int32) {
    buffer.append(Record(time: e.time, customer: k, phase: Int8(truncatingIfNeeded: e.phase), channel: Int8(truncatingIfNeeded: e.channel)))
    if buffer.count >= Self.blockEvents && failure == nil { flush() }
  }

  /// Writes the buffered records; on failure keeps them and sets ``failure``.
  private func flush() {
    let bytes = buffer.count * MemoryLayout<Record>.stride
    let problem: String? = buffer.withUnsafeBytes { raw in
      var done = 0
      while done < bytes {
        let n = pwrite(fd, raw.baseAddress! + done, bytes - done, off_t(written * MemoryLayout<Record>.stride + done))
        if n < 0 {
          if errno == EINTR { continue }
          return String(cString: strerror(errno))
        }
        done += n
      }
      return nil
    }
    if let problem {
      failure = problem
      return
    }
    written += buffer.count
    buffer.removeAll(keepingCapacity: true)
  }

  /// Calls `body` with every event appended, in order: those of the file, then those in
  /// memory; `bucket` gives the bucket of a time.
  ///
  /// - Throws: ``InputErrors`` (`.io`, naming `name`) when the file cannot be read.
  func replay(name: String, _ bucket: (Int64) -> Int32, _ body: (EventCollector.Pending, Int32) -> Void) throws(InputErrors) {
    func event(_ r: Record) -> EventCollector.Pending {
      EventCollector.Pending(time: r.time, bucket: bucket(r.time), phase: Int16(r.phase), channel: Int16(r.channel))
    }
    let stride = MemoryLayout<Record>.stride
    var block = [Record](repeating: Record(time: 0, customer: 0, phase: 0, channel: 0), count: Self.blockEvents)
    var done = 0
    while done < written {
      let count = Swift.min(Self.blockEvents, written - done)
      let problem: String? = block.withUnsafeMutableBytes { raw in
        var got = 0
        while got < count * stride {
          let n = pread(fd, raw.baseAddress! + got, count * stride - got, off_t(done * stride + got))
          if n < 0 && errno == EINTR { continue }
          if n < 0 { return String(cString: strerror(errno)) }
          if n == 0 { return "the file ends early" }
          got += n
        }
        return nil
      }
      if let problem {
        throw InputErrors([InputError(.io, file: name, "cannot read back the events kept in a temporary file: \(problem)")])
      }
      for r in block[0..<count] { body(event(r), r.customer) }
      done += count
    }
    for r in buffer { body(event(r), r.customer) }
  }
}
