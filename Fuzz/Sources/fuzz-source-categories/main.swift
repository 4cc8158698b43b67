import FuzzSupport
import JourneyImport
import JourneyModel

/// GA4 source lists (`source,category`, `journey import ga4 --source-categories`).
fuzzMain { input in
  _ = try SourceCategories.parse(csv: InputText.decode(input.data, file: "sources.csv"), file: "sources.csv")
}
