import ArgumentParser

/// The case of an enumerated option that `value` names, or the usage error listing the names the
/// option takes (e.g. "--recipe must be one of seed, calibrated").
func optionChoice<Choice: CaseIterable & RawRepresentable>(_ value: String, option: String) throws -> Choice
    where Choice.RawValue == String {
    guard let choice = Choice(rawValue: value) else {
        throw ValidationError("\(option) must be one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return choice
}
