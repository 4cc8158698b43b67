/// The package itself: its version, the one place every tool and file takes it from.
///
/// ```swift
/// print(JourneyKit.version)  // "0.9.0"
/// ```
///
/// `journey --version` prints it. Raise it in the commit that changes what a release does;
/// result files carry their own `format_version`, which moves only when a file's layout does.
public enum JourneyKit {
  /// The version of the package, as `major.minor.patch` (semantic versioning).
  public static let version = "0.9.0"
}
