import Foundation
import Testing
import _JourneyTestSupport

/// The tests' own way of running programs (``ChildProcess``).
struct ChildProcessTests {
  /// A program run for the tests inherits no descriptor past its standard streams: a pipe
  /// open here is not open there (Foundation's `Process` passed such descriptors on, and
  /// a server started that way kept another test's child from being seen to exit).
  @Test func childrenInheritOnlyTheStandardStreams() throws {
    var ends: [Int32] = [0, 0]
    #expect(pipe(&ends) == 0)
    defer { ends.forEach { close($0) } }
    let run = try ChildProcess.run(["/bin/sh", "-c", "ls /proc/$$/fd"])
    #expect(run.status == 0)
    #expect(run.stdout.split(separator: "\n") == ["0", "1", "2"], "descriptors open in the child: \(run.stdout)")
  }

  /// Exit statuses, both output streams, the directory, the environment and a program
  /// found in PATH.
  @Test func statusOutputDirectoryAndEnvironment() throws {
    let run = try ChildProcess.run(
      ["sh", "-c", "pwd; echo \"$GREETING\"; echo oops >&2; exit 3"], directory: "/tmp",
      environment: ["GREETING": "hello", "PATH": "/usr/bin:/bin"])
    #expect(run.status == 3 && run.exited && !run.timedOut)
    #expect(run.stdout == "/tmp\nhello\n")
    #expect(run.stderr == "oops\n")
    #expect(throws: ChildProcessError.self) { try ChildProcess.run(["/nonexistent/program"]) }
  }

  /// A run past its timeout is ended (status -1, `timedOut`); a signal's status is 128
  /// plus its number, as a shell reports it.
  @Test func timeoutsAndSignals() throws {
    let start = Date()
    let slow = try ChildProcess.run(["/bin/sleep", "30"], timeout: 0.3)
    #expect(slow.timedOut && slow.status == -1)
    #expect(Date().timeIntervalSince(start) < 10)
    let child = try ChildProcess(["/bin/sleep", "30"], output: .discard)
    #expect(child.isRunning)
    child.signal(SIGTERM)
    #expect(child.wait(timeout: 10))
    let outcome = child.outcome()
    #expect(!outcome.exited && outcome.status == 128 + SIGTERM)
  }
}
