import Foundation

/// Runs the built `journey` executable, as a user would.
public enum CommandRunner {
  public struct Outcome {
    public let status: Int32
    public let stdout: String
    public let stderr: String
  }

  /// The `journey` binary next to the test bundle.
  public static var executable: URL {
    var dir = Bundle.main.bundleURL
    if dir.pathExtension == "xctest" || dir.lastPathComponent.hasSuffix(".xctest") {
      dir = dir.deletingLastPathComponent()
    }
    let candidate = dir.appendingPathComponent("journey")
    if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("journey")
  }

  /// Runs `journey arguments…` in `directory` (the repository root by default), with
  /// `environment` added to this process's environment (``ChildProcess``).
  public static func run(
    _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]
  ) throws -> Outcome {
    let run = try ChildProcess.run(
      [executable.path] + arguments, directory: directory ?? RepositoryFiles.root.path,
      environment: environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 })
    return Outcome(status: run.status, stdout: run.stdout, stderr: run.stderr)
  }

  /// Runs `journey arguments…` with its standard output and error on a pseudo-terminal
  /// (`script` of util-linux, part of every Debian system), as a user at a terminal sees
  /// them: both streams in `stdout`, carriage returns kept; standard input is empty.
  public static func runOnTerminal(_ arguments: [String], in directory: String? = nil) throws -> Outcome {
    let quote = { (s: String) in "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
    let command = ([executable.path] + arguments).map(quote).joined(separator: " ")
    let run = try ChildProcess.run(
      ["/usr/bin/script", "-qec", command, "/dev/null"], directory: directory ?? RepositoryFiles.root.path)
    return Outcome(status: run.status, stdout: run.stdout, stderr: "")
  }

  /// A new empty temporary directory.
  public static func temporaryDirectory() throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("journeykit-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
  }
}
