/// A C test's final state as herd prints it: a value that is a location's address is the
/// location's name (`0:r1=x`, `y=z`), not the model address it stands at.
extension KernelLitmusTest {
  /// `state`'s items (`0:r1=8192`) with each address named. herd's addresses are values of their own;
  /// here they are numbers (`LitmusTest.modelAddress`), so an integer that equals one shows as its
  /// name too; the tests use small integers, and addresses start at 4096.
  public func named(_ state: [String]) -> [String] {
    let locations = header.memoryLocations
    return state.map { item in
      let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
      guard parts.count == 2, let value = Int64(parts[1]),
        let index = locations.indices.first(where: { Int64(LitmusTest.modelAddress(ofLocation: $0)) == value })
      else { return item }
      return parts[0] + "=" + locations[index]
    }
  }
}
