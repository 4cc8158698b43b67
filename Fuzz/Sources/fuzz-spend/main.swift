import FuzzSupport
import JourneyEstimation

/// Spend files (`period,channel,spend`) against the fixed model's paid and organic channels.
fuzzMain { input in
  _ = try SpendTable.read(
    bytes: input.bytes, file: "spend.csv", channels: Fixtures.paidChannels, organic: Fixtures.organicChannels)
}
