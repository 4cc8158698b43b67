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

/// Progress on standard error, only when it is a terminal.
struct Progress {
  let label: String
  let total: Int
  let enabled = isatty(2) == 1

  func update(_ done: Int) {
    guard enabled else { return }
    let text = "\r\(label) \(done)/\(total)" + (done == total ? "\r\u{1B}[K" : "")
    FileHandle.standardError.write(Data(text.utf8))
  }
}
