import JourneyFormats
import JourneySimulation

/// The journey log of the individual engine, written to a file atomically.
public final class JourneyLogFile: JourneyLogSink {
  private let writer: AtomicFileWriter
  public let neutraliseFormulas: Bool

  /// - Parameter neutraliseFormulas: Whether formula-like names get a leading `'`
  ///   (see ``JourneyFormats/CSV``); readers of the journey log undo it.
  public init(path: String, neutraliseFormulas: Bool = true) throws {
    writer = try AtomicFileWriter(path: path)
    self.neutraliseFormulas = neutraliseFormulas
  }

  public func write(_ bytes: UnsafeRawBufferPointer) throws { try writer.write(bytes) }

  public func finish() throws { try writer.finish() }

  /// Closes the log and adds it to a result set, to be renamed into place with the run's
  /// other files.
  public func stage(into files: ResultSet) throws { try files.stage(writer) }
}
