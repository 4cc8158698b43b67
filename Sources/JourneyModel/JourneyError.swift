/// An error the `journey` command reports with a message and a documented exit code.
///
/// Every error type of the libraries that a user can cause conforms: ``InputError`` and
/// ``InputErrors`` (bad input), the simulation's, output and linear-algebra errors. The
/// command maps them to exit codes in one place.
///
/// | code | meaning |
/// | --- | --- |
/// | 0 | success |
/// | 1 | a check failed (figures moved beyond tolerance) |
/// | 2 | bad input: the message names the file or option, the bad value and what was expected |
public protocol JourneyError: Error, CustomStringConvertible {
  /// The process exit code for this error: 1 or 2.
  var exitCode: Int32 { get }
}

extension JourneyError {
  /// Bad input, unless the type says otherwise.
  public var exitCode: Int32 { 2 }
}

extension InputError: JourneyError {}
extension InputErrors: JourneyError {}

/// Figures moved beyond their tolerance (`journey check`): exit code 1.
public struct CheckFailed: JourneyError, Equatable, Sendable {
  /// How many figures moved.
  public var moved: Int
  public init(moved: Int) { self.moved = moved }
  public var exitCode: Int32 { 1 }
  public var description: String { "\(moved) figure\(moved == 1 ? "" : "s") moved beyond tolerance" }
}
