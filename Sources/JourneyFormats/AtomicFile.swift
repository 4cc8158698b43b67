import Foundation
import JourneyModel

/// Writes files so that readers see either the old content or the new, never half of it:
/// the bytes go to a temporary file beside the target, which is then renamed over it.
public enum AtomicFile {
  /// Writes `data` to `path`, creating missing parent directories.
  ///
  /// - Throws: ``OutputError`` naming the path when the directory cannot be created or
  ///   the file cannot be written or renamed.
  public static func write(_ data: Data, to path: String) throws {
    let files = ResultSet()
    try files.stage(data, to: path)
    try files.commit()
  }

  public static func write(_ text: String, to path: String) throws {
    try write(Data(text.utf8), to: path)
  }

  /// A fresh temporary path in the target's directory: `.NAME.PID.RANDOM.tmp`.
  public static func temporaryPath(for path: String) -> String {
    let url = URL(fileURLWithPath: path)
    let name = ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max)).tmp"
    return url.deletingLastPathComponent().appendingPathComponent(name).path
  }

  /// Renames a finished temporary file over `path`.
  public static func commit(_ temporary: String, to path: String) throws {
    guard rename(temporary, path) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      throw OutputError(path: path, reason: "cannot replace (\(reason))")
    }
  }
}

/// A result that could not be written.
public struct OutputError: JourneyError, Equatable, Sendable {
  public var path: String
  public var reason: String
  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }
  public var description: String { "\(path): \(reason)" }
}

/// A buffered file written under a temporary name and renamed into place by ``finish()``
/// (or with a whole result set, ``ResultSet/stage(_:)-(AtomicFileWriter)``); dropped before,
/// it removes its temporary file.
public final class AtomicFileWriter {
  public let path: String
  private let temporary: String
  private var handle: UnsafeMutablePointer<FILE>?
  /// The temporary file's slot in ``TemporaryFiles``.
  private var slot: Int?

  public init(path: String) throws {
    self.path = path
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw OutputError(path: directory.path, reason: "cannot create directory (\(error.localizedDescription))")
    }
    TemporaryFiles.removeStale(in: directory.path)
    temporary = AtomicFile.temporaryPath(for: path)
    slot = TemporaryFiles.register(temporary)
    guard let f = fopen(temporary, "wb") else {
      TemporaryFiles.unregister(slot)
      throw OutputError(path: path, reason: "cannot create (\(String(cString: strerror(errno))))")
    }
    setvbuf(f, nil, _IOFBF, 1 << 20)
    handle = f
  }

  public func write(_ bytes: UnsafeRawBufferPointer) throws {
    guard let handle, let base = bytes.baseAddress, bytes.count > 0 else { return }
    guard fwrite(base, 1, bytes.count, handle) == bytes.count else {
      throw OutputError(path: path, reason: "write failed (\(String(cString: strerror(errno))))")
    }
  }

  public func write(_ text: String) throws {
    var text = text
    try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
  }

  /// Flushes, closes and renames the file into place.
  public func finish() throws {
    let files = ResultSet()
    try files.stage(self)
    try files.commit()
  }

  /// Flushes and closes the file and hands its temporary to `files`, which renames it
  /// into place with the rest of the result set.
  func close(into files: ResultSet) throws {
    guard let f = handle else { return }
    handle = nil
    let flushed = fflush(f) == 0
    fclose(f)
    guard flushed else {
      unlink(temporary)
      TemporaryFiles.unregister(slot)
      slot = nil
      throw OutputError(path: path, reason: "write failed (\(String(cString: strerror(errno))))")
    }
    files.adopt(temporary: temporary, slot: slot, path: path)
    slot = nil
  }

  deinit {
    if let handle {
      fclose(handle)
      unlink(temporary)
    }
    TemporaryFiles.unregister(slot)
  }
}
