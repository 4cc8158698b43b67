import Foundation

/// The files of one result (a run's `summary.json`, `periods.csv`, `analytics.csv` and
/// journey log; a forecast's JSON and CSV; a fit's model and report), written so that a
/// reader never sees some of them new and others old.
///
/// Every file is first written in full under a temporary name beside its target
/// (`.NAME.PID.RANDOM.tmp`, registered for removal on SIGINT/SIGTERM); only when all of
/// them are written does ``commit()`` rename them into place, one `rename(2)` each, back
/// to back. A failure or an interruption while the files are written leaves the previous
/// result untouched; a set dropped without `commit()` removes its temporaries.
///
/// ```swift
/// let files = ResultSet()
/// try files.stage(csv, to: "results/run/periods.csv")
/// try files.stage(json, to: "results/run/summary.json")
/// try files.commit()
/// ```
public final class ResultSet {
  private var staged: [(temporary: String, slot: Int?, path: String)] = []

  public init() {}

  /// Writes `data` under a temporary name beside `path`, creating missing directories.
  ///
  /// - Throws: ``OutputError`` naming the path.
  public func stage(_ data: Data, to path: String) throws {
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw OutputError(path: directory.path, reason: "cannot create directory (\(error.localizedDescription))")
    }
    TemporaryFiles.removeStale(in: directory.path)
    let temporary = AtomicFile.temporaryPath(for: path)
    let slot = TemporaryFiles.register(temporary)
    guard FileManager.default.createFile(atPath: temporary, contents: data) else {
      unlink(temporary)
      TemporaryFiles.unregister(slot)
      throw OutputError(path: path, reason: "cannot write (is the directory writable?)")
    }
    staged.append((temporary, slot, path))
  }

  public func stage(_ text: String, to path: String) throws {
    try stage(Data(text.utf8), to: path)
  }

  /// Closes a streamed file (a journey log) and adds it to the set.
  public func stage(_ writer: AtomicFileWriter) throws {
    try writer.close(into: self)
  }

  func adopt(temporary: String, slot: Int?, path: String) {
    staged.append((temporary, slot, path))
  }

  /// Renames every staged file into place, in the order staged.
  ///
  /// - Throws: ``OutputError`` for the first file that cannot be renamed; the files not
  ///   yet renamed are removed.
  public func commit() throws {
    let files = staged
    staged = []
    for (k, file) in files.enumerated() {
      defer { TemporaryFiles.unregister(file.slot) }
      guard rename(file.temporary, file.path) == 0 else {
        let reason = String(cString: strerror(errno))
        for rest in files[k...] {
          unlink(rest.temporary)
          if rest.temporary != file.temporary { TemporaryFiles.unregister(rest.slot) }
        }
        throw OutputError(path: file.path, reason: "cannot replace (\(reason))")
      }
    }
  }

  deinit {
    for file in staged {
      unlink(file.temporary)
      TemporaryFiles.unregister(file.slot)
    }
  }
}
