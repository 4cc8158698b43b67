import JourneyFormats
import JourneySimulation

/// The journey log of the individual engine, written to a file atomically.
public final class JourneyLogFile: JourneyLogSink {
  private let writer: AtomicFileWriter

  public init(path: String) throws { writer = try AtomicFileWriter(path: path) }

  public func write(_ bytes: UnsafeRawBufferPointer) throws { try writer.write(bytes) }

  public func finish() throws { try writer.finish() }
}
