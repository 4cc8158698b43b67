import CJourneyKernels

/// The code that runs the individual engine's inner loop: the portable Swift code, or a
/// kernel of `CJourneyKernels` compiled for AVX2 or AVX-512 and chosen at run time.
///
/// Every kernel gives the same bytes (the same xoshiro256++ lanes in the same layout, the
/// same draw per customer, the same lookups and counts); only the instructions differ.
/// The package builds for baseline x86-64, where the portable code runs the lanes in
/// 128-bit registers and the lookups one at a time; on this project's reference machine
/// the AVX-512 kernel (draws in registers, `vprolq`, gathers, byte-compare counts) is about
/// twice as fast per core (docs/performance.md).
///
/// `JOURNEY_KERNEL=portable` (or `avx2`) in the environment asks for a lower kernel than the
/// CPU supports, for comparisons; a higher one than supported is never used.
enum EngineKernel: Int, CaseIterable, Sendable, CustomStringConvertible {
  case portable = 0
  case avx2 = 1
  case avx512 = 2

  /// The best kernel this CPU and operating system run.
  static let supported = EngineKernel(rawValue: Int(journey_kernel_supported())) ?? .portable

  /// Every kernel this machine runs, portable first.
  static let available = allCases.filter { $0.rawValue <= supported.rawValue }

  /// The kernel runs use: ``supported``, or a lower one named by `JOURNEY_KERNEL`.
  static let selected = EngineKernel(rawValue: Int(journey_kernel_selected())) ?? .portable

  /// ``Xoshiro256x8/fill(_:_:count:)`` on this kernel: the same numbers.
  @inline(__always)
  func fill(_ state: UnsafeMutablePointer<UInt64>, _ out: UnsafeMutablePointer<UInt64>, count: Int) {
    if self == .portable {
      Xoshiro256x8.fill(state, out, count: count)
    } else {
      journey_fill(Int32(rawValue), state, out, count)
    }
  }

  var description: String {
    switch self {
    case .portable: return "portable"
    case .avx2: return "avx2"
    case .avx512: return "avx512"
    }
  }
}
