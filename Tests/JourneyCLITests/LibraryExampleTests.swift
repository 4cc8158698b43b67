import Foundation
import Testing
import _JourneyTestSupport

/// `examples/library/` (docs/library.md) builds against this package and runs.
///
/// It needs its own build of the library products it uses (a few minutes the first time,
/// seconds later: the scratch path `.build/library-example` is kept), so it runs only with
/// `JOURNEY_LIBRARY_EXAMPLE=1`, which `.ci/run` sets.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["JOURNEY_LIBRARY_EXAMPLE"] == "1"))
struct LibraryExampleTests {
  func swift(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let run = try ChildProcess.run(["swift"] + arguments, directory: RepositoryFiles.root.path)
    return (run.status, run.stdout + run.stderr)
  }

  @Test(.timeLimit(.minutes(20)))
  func buildsAndRuns() throws {
    let r = try swift([
      "run", "--package-path", "examples/library", "--scratch-path", ".build/library-example",
      "journey-library-example", RepositoryFiles.root.path,
    ])
    #expect(r.status == 0, "\(r.output)")
    #expect(r.output.contains("scenario word-of-mouth: 7 phases, horizon 52"), "\(r.output)")
    #expect(r.output.contains("unaware -> aware referral 1.7"), "\(r.output)")
    #expect(r.output.contains("fitted model: expected conversions"), "\(r.output)")
  }
}
