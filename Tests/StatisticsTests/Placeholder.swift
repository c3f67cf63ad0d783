import Statistics
import Testing

@Test func statisticsModuleLinks() {
    #expect(Descriptive.median([1, 2, 3]) == 2)
}
