import ArgumentParser
import Foundation
import JourneyFormats
import JourneyLinearAlgebra
import JourneyModel
import JourneyReports
import JourneySimulation

/// Every command names itself (`commandName`): otherwise ArgumentParser derives the name
/// from the type with `String(describing:)`, whose dynamic casts scan the process's
/// protocol conformances at every start (1–3 ms of the ~20 ms a run starts with).
@main
struct Journey: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "journey",
    abstract: "Customer-journey simulation and forecasting.",
    discussion: """
      Exit codes: 0 success, 1 a check failed, 2 bad input (the message names the file, \
      the line or YAML path, the bad value and what was expected).
      """,
    version: "journey \(JourneyKit.version)",
    subcommands: [
      Simulate.self, Fit.self, Import.self, Forecast.self, Optimize.self, Check.self, Report.self, Validate.self, Sql.self,
      Bench.self,
      Attribute.self,
    ]
  )

  /// Parses, runs, and maps every failure to the documented exit codes, once: 0 success
  /// (and help), 1 a check failed, 2 bad input; 130/143 when interrupted (SIGINT/SIGTERM,
  /// after removing the run's temporary files).
  static func main() {
    TemporaryFiles.installSignalCleanup()
    // OpenBLAS's workers would poll a core for a tenth of a second whenever they start (the
    // tool's BLAS work is small): one thread, no workers.
    BLAS.runOnOneThread()
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let error as any JourneyError {
      fail(error.description, code: error.exitCode)
    } catch let error as LinearAlgebraError {
      fail(error.description, code: 2)
    } catch let error as ExitCode {
      Foundation.exit(error.rawValue == 0 || error.rawValue == 1 ? error.rawValue : 2)
    } catch {
      // ArgumentParser's own errors: help and version exit 0, the rest are bad usage.
      if exitCode(for: error) == .success { exit(withError: error) }
      FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
      Foundation.exit(2)
    }
  }

  static func fail(_ message: String, code: Int32) -> Never {
    let prefix = code == 1 ? "check failed: " : "error: "
    FileHandle.standardError.write(
      Data((prefix + message.replacingOccurrences(of: "\n", with: "\n" + prefix) + "\n").utf8))
    Foundation.exit(code)
  }
}

/// Progress on standard error, only when it is a terminal: one line, rewritten in place
/// and cleared at the end.
struct Progress {
  let label: String
  /// The whole (0: unknown, for bytes from a pipe).
  let total: Int
  /// Whether the counts are bytes (shown in MB, with the share of the whole).
  var bytes = false
  let enabled = isatty(2) == 1

  func update(_ done: Int) {
    guard enabled else { return }
    let text: String
    if bytes {
      let mb = { (n: Int) in String(format: "%.0f", Double(n) / 1e6) }
      text =
        total > 0
        ? "\r\(label) \(mb(Swift.min(done, total))) of \(mb(total)) MB (\(Int(100 * Double(Swift.min(done, total)) / Double(total)))%)"
        : "\r\(label) \(mb(done)) MB"
    } else {
      text = "\r\(label) \(done)/\(total)"
    }
    FileHandle.standardError.write(Data((text + (!bytes && done == total ? "\r\u{1B}[K" : "")).utf8))
  }

  /// Clears the line.
  func finish() {
    guard enabled else { return }
    FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
  }

  /// A ``ReadProgress`` that shows the bytes read of the files at `paths`, or `nil` when
  /// standard error is not a terminal.
  static func reading(_ paths: [String]) -> (Progress, ReadProgress?) {
    let display = Progress(label: "reading", total: ReadProgress.totalBytes(paths), bytes: true)
    return (display, display.enabled ? ReadProgress { display.update($0) } : nil)
  }
}
