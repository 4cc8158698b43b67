import Foundation
import JourneyModel

/// The files read whole, into memory, before they are parsed: scenarios, budget files,
/// fit reports, result files and references, and the GA4 source list. This reader bounds
/// them, so that a wrong file given by mistake (a journey log passed as a scenario, a
/// device, a pipe that never ends) is refused at once instead of being read and parsed for
/// minutes into gigabytes of memory. Data files (journey logs, path files, event tables,
/// spend tables) are streamed instead and have limits of their own.
public enum WholeFile {
  /// The most bytes of text a person writes: a scenario, a budget scenario, a source list
  /// (the scenario's own limits, 100,000 periods of spend for 64 channels, fit in it).
  public static let maxTextBytes = 64 << 20
  /// The most bytes of a file a command wrote: a fit report with its covariance, a
  /// simulation summary, a forecast, a reference. (The covariance of a model at the
  /// scenario's limits, 64 phases with 12 channel effects out of each, nears 1 GB.)
  public static let maxResultBytes = 1 << 30

  /// The bytes of the file at `path`, at most `limit`; `what` names the file in the
  /// message of one past the limit ("scenario", "fit report").
  ///
  /// A regular file's size is checked before anything is read or allocated; anything else
  /// (a pipe, `/dev/stdin`, a device) is read until it ends or passes the limit.
  ///
  /// - Throws: ``InputError`` naming `path`: `.io` when it is missing, a directory, not
  ///   readable or fails to read; `.limit` when it holds more than `limit` bytes.
  /// - Complexity: O(min(size, `limit`)) time and memory.
  public static func read(_ path: String, limit: Int, what: String) throws(InputError) -> Data {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw ioError(path, errno) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw ioError(path, errno) }
    let kind = info.st_mode & S_IFMT
    guard kind != S_IFDIR else { throw InputError(.io, file: path, "cannot read the file: it is a directory") }
    let size = kind == S_IFREG ? Int(info.st_size) : nil
    if let size, size > limit { throw tooLarge(path, size: size, limit: limit, what: what) }
    // A regular file in one read of its size (plus one byte, to see it end); anything else
    // in blocks, growing.
    var bytes = [UInt8](repeating: 0, count: Swift.min(limit, size ?? (1 << 16)) + 1)
    var count = 0
    while true {
      if count == bytes.count {
        guard count <= limit else { throw tooLarge(path, size: nil, limit: limit, what: what) }
        bytes.append(contentsOf: repeatElement(0, count: Swift.min(bytes.count, limit + 1 - bytes.count)))
      }
      let got = bytes.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress! + count, $0.count - count) }
      if got < 0 {
        if errno == EINTR { continue }
        throw ioError(path, errno)
      }
      if got == 0 { break }
      count += got
    }
    guard count <= limit else { throw tooLarge(path, size: nil, limit: limit, what: what) }
    return Data(bytes[0..<count])
  }

  static func ioError(_ path: String, _ code: Int32) -> InputError {
    let reason: String
    switch code {
    case ENOENT: reason = "no such file"
    case EACCES, EPERM: reason = "permission denied"
    case EISDIR: reason = "it is a directory"
    default: reason = String(cString: strerror(code))
    }
    return InputError(.io, file: path, "cannot read the file: \(reason)")
  }

  static func tooLarge(_ path: String, size: Int?, limit: Int, what: String) -> InputError {
    let held = size.map { describe($0) } ?? "more than \(describe(limit))"
    return InputError(
      .limit, file: path, "the file holds \(held); expected a \(what) of at most \(describe(limit)) (is it the right file?)")
  }

  /// `bytes` in GiB when whole, else in MiB (one decimal unless whole) from 1 MiB on, else
  /// in bytes.
  static func describe(_ bytes: Int) -> String {
    guard bytes >= 1 << 20 else { return "\(bytes) bytes" }
    if bytes % (1 << 30) == 0 { return "\(bytes >> 30) GiB" }
    if bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
    return String(format: "%.1f MiB", Double(bytes) / Double(1 << 20))
  }
}
