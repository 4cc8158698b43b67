import CZlib
import Foundation
import JourneyModel

/// Where a delimited table's bytes come from: a file, standard input (`-`) or bytes in
/// memory, gzip-compressed or not.
///
/// Compression is recognised by the gzip magic bytes (`1f 8b`) at the start, whatever the
/// name; the stream is inflated block by block (zlib, concatenated members included), so
/// memory stays at one block of compressed and one of inflated bytes.
///
/// ```swift
/// let input = try TableInput(path: "events.csv.gz")
/// try CSVReader.forEachRecord(input: input) { (csv, buffer) throws(InputErrors) in … }
/// ```
public final class TableInput {
  /// The name errors give (the path, or `stdin`).
  public let name: String
  /// Whether the bytes are gzip-compressed.
  public private(set) var isCompressed = false
  /// Bytes consumed from the underlying file or memory so far (compressed bytes when
  /// compressed).
  public private(set) var bytesRead = 0 {
    didSet { progress?.reading(self, bytesRead) }
  }
  /// Told of ``bytesRead`` as it grows (a progress display); `nil`: nobody is told.
  public var progress: ReadProgress?

  private var fd: Int32 = -1
  private let ownsDescriptor: Bool
  private var memory: [UInt8] = []
  private var memoryOffset = 0
  /// Bytes read ahead to recognise compression, handed out first.
  private var pending: [UInt8] = []
  private var stream = z_stream()
  private var inflating = false
  private var streamEnded = false
  private var raw: UnsafeMutablePointer<UInt8>?
  private static let rawSize = 1 << 18

  /// Opens `path`, or standard input for `-`.
  ///
  /// - Throws: ``InputErrors`` (`.io`) when the file cannot be opened.
  public init(path: String, what: String = "file") throws(InputErrors) {
    if path == "-" {
      name = "stdin"
      fd = 0
      ownsDescriptor = false
    } else {
      name = path
      fd = open(path, O_RDONLY)
      ownsDescriptor = true
      guard fd >= 0 else {
        throw InputErrors([InputError(.io, file: path, "cannot open the \(what): \(String(cString: strerror(errno)))")])
      }
    }
    try start(what: what)
  }

  /// Bytes in memory; `name` names them in errors.
  public init(bytes: [UInt8], name: String) {
    self.name = name
    memory = bytes
    ownsDescriptor = false
    try? start(what: "file")
  }

  deinit {
    if ownsDescriptor && fd >= 0 { close(fd) }
    if inflating { inflateEnd(&stream) }
    raw?.deallocate()
  }

  /// Reads the first bytes and sets up inflation when they are the gzip magic.
  private func start(what: String) throws(InputErrors) {
    var head = [UInt8](repeating: 0, count: 2)
    var got = 0
    while got < 2 {
      let n = try rawRead(&head[got], 2 - got, what: what)
      if n == 0 { break }
      got += n
    }
    pending = Array(head[0..<got])
    guard got == 2, head[0] == 0x1f, head[1] == 0x8b else { return }
    isCompressed = true
    guard journey_inflate_init(&stream) == Z_OK else {
      throw InputErrors([InputError(.io, file: name, "cannot start decompressing the gzip \(what)")])
    }
    inflating = true
    raw = .allocate(capacity: Self.rawSize)
  }

  /// Up to `count` undecoded bytes from the pending ones, the file or memory.
  private func rawRead(_ into: UnsafeMutablePointer<UInt8>, _ count: Int, what: String) throws(InputErrors) -> Int {
    if !pending.isEmpty {
      let n = Swift.min(count, pending.count)
      for k in 0..<n { into[k] = pending[k] }
      pending.removeFirst(n)
      return n
    }
    if fd >= 0 {
      while true {
        let got = Foundation.read(fd, into, count)
        if got < 0 {
          if errno == EINTR { continue }
          throw InputErrors([InputError(.io, file: name, "cannot read the \(what): \(String(cString: strerror(errno)))")])
        }
        bytesRead += got
        return got
      }
    }
    let n = Swift.min(count, memory.count - memoryOffset)
    memory.withUnsafeBufferPointer { b in
      if n > 0 { into.update(from: b.baseAddress! + memoryOffset, count: n) }
    }
    memoryOffset += n
    bytesRead += n
    return n
  }

  /// Reads up to `count` decoded bytes into `into`; 0 at the end of the input.
  ///
  /// - Throws: ``InputErrors``: a read error, or corrupt or truncated gzip data.
  public func read(into: UnsafeMutablePointer<UInt8>, count: Int, what: String = "file") throws(InputErrors) -> Int {
    guard inflating, let raw else { return try rawRead(into, count, what: what) }
    stream.next_out = into
    stream.avail_out = UInt32(truncatingIfNeeded: Swift.min(count, Int(Int32.max)))
    let wanted = stream.avail_out
    while stream.avail_out == wanted {
      if stream.avail_in == 0 {
        let got = try rawRead(raw, Self.rawSize, what: what)
        if got == 0 {
          if !streamEnded {
            throw InputErrors([InputError(.syntax, file: name, "the gzip \(what) ends early; expected a complete gzip stream")])
          }
          return 0
        }
        stream.next_in = raw
        stream.avail_in = UInt32(got)
      }
      if streamEnded {
        // A further gzip member follows (concatenated files).
        guard inflateReset(&stream) == Z_OK else { break }
        streamEnded = false
      }
      let status = inflate(&stream, Z_NO_FLUSH)
      if status == Z_STREAM_END {
        streamEnded = true
      } else if status != Z_OK && status != Z_BUF_ERROR {
        let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
        throw InputErrors([InputError(
          .syntax, file: name, "corrupt gzip data (\(InputError.echo(message))); expected a valid gzip stream")])
      }
    }
    return Int(wanted - stream.avail_out)
  }
}

/// The bytes read so far by the inputs of one run, one input after another, for a progress
/// display: each ``TableInput`` given it (``TableInput/progress``) adds what it reads, and
/// `report` is called with the run's total whenever it has grown by at least
/// ``step`` bytes since the last call, and at ``finish()``.
///
/// ```swift
/// let progress = ReadProgress { bytes in print(bytes) }
/// let input = try TableInput(path: "events.csv.gz")
/// input.progress = progress
/// ```
///
/// One reading at a time uses it, on one thread (the inputs of a run are read one after
/// another), which is what makes it sendable with a run's settings.
public final class ReadProgress: @unchecked Sendable {
  /// The bytes that make a report (1 MiB: about one call per block of the readers).
  public static let step = 1 << 20
  private let report: (Int) -> Void
  /// Bytes of the inputs finished so far.
  private var finished = 0
  /// The input being read and its bytes read.
  private weak var current: TableInput?
  private var currentBytes = 0
  private var lastReported = 0

  public init(_ report: @escaping (Int) -> Void) {
    self.report = report
  }

  /// The bytes read so far over all inputs.
  public var total: Int { finished + currentBytes }

  /// `input` has read `bytes` in all.
  func reading(_ input: TableInput, _ bytes: Int) {
    if current !== input {
      finished += currentBytes
      current = input
    }
    currentBytes = bytes
    if total - lastReported >= Self.step {
      lastReported = total
      report(total)
    }
  }

  /// Reports the final total.
  public func finish() {
    lastReported = total
    report(total)
  }

  /// The summed sizes of the regular files among `paths` (what a display shows as the
  /// whole; standard input and pipes add nothing).
  public static func totalBytes(_ paths: [String]) -> Int {
    paths.reduce(0) { $0 + (CSVReader.regularFileSize($1) ?? 0) }
  }
}
