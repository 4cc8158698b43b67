import CJourneyKernels

/// The instance of the journey-log row kernel (`journey_log_rows`, CJourneyKernels) the
/// fused decoder runs: the baseline one (SSE2 on x86-64) or, on a CPU with AVX-512, the
/// one compiled for it. Both count the same rows the same way and stop at the same row.
///
/// The choice follows the engine's (`journey_kernel_selected`): `JOURNEY_KERNEL=portable`
/// or `avx2` in the environment runs the baseline instance on any CPU.
struct RowKernel: Equatable, Sendable, CustomStringConvertible {
  /// `JOURNEY_KERNEL_AVX512` for the AVX-512 instance, below it for the baseline one.
  let level: Int32

  static let baseline = RowKernel(level: Int32(JOURNEY_KERNEL_PORTABLE))
  static let avx512 = RowKernel(level: Int32(JOURNEY_KERNEL_AVX512))

  /// The instance runs use.
  static let selected = journey_kernel_selected() >= Int32(JOURNEY_KERNEL_AVX512) ? avx512 : baseline

  /// Every instance this CPU runs, the baseline first.
  static let available = journey_kernel_supported() >= Int32(JOURNEY_KERNEL_AVX512) ? [baseline, avx512] : [baseline]

  var description: String { level >= Int32(JOURNEY_KERNEL_AVX512) ? "avx512" : "baseline" }
}
