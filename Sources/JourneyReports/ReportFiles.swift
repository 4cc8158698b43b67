import JourneyFormats

/// `summary.json` as written by `journey simulate`: owned by ``SummaryFile``.
public typealias SimulationSummary = SummaryFile
/// `forecast.json` as written by `journey forecast`: owned by ``ForecastFile``.
public typealias ForecastResult = ForecastFile
/// `optimize.json` as written by `journey optimize`: owned by ``OptimizeFile``.
public typealias OptimizationResult = OptimizeFile
/// Mean and percentiles of a quantity across forecast replicates.
public typealias Interval = ForecastFile.Interval
/// A result file the report reads.
public typealias ReportFile = JSONFileFormat
