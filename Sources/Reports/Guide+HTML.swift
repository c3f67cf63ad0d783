import Foundation

extension GuideDocument {
    /// One self-contained page (the report's page and chart kit): per section its answer, a chart and the numbers.
    public func html() -> String {
        HTMLReport.page(title: "bpfgate guide", headline: "From \(sources.joined(separator: ", ")), \(generatedAt). Medians with the quartiles of "
                            + "their samples; published estimates beside them, marked outside when the measurement falls outside their range.",
                        omitted: sections.filter { $0.rows.isEmpty && ($0.validation ?? []).isEmpty }.map {
                            "\($0.title): \($0.answer.hasSuffix(".") ? String($0.answer.dropLast()) : $0.answer)"
                        },
                        sections: reportSections())
    }

    /// The sections that have rows, as the report's sections.
    func reportSections() -> [ReportSection] {
        sections.filter { !$0.rows.isEmpty || !($0.validation ?? []).isEmpty }.map { s in
            var intro = s.answer
            if !s.missing.isEmpty { intro += " Not on this machine: " + s.missing.joined(separator: "; ") + "." }
            return ReportSection(id: s.id, title: s.title, intro: intro, charts: s.charts(), table: s.table())
        }
    }
}

extension GuideSection {
    /// The section's chart: its rows' medians with their quartiles (the maps section: the lookups its answer compares),
    /// the loads side by side, charged memory beside memlock, or the capacity model against the measured CPU.
    func charts() -> [ReportSection.Chart] {
        func bar(_ r: GuideRow) -> BarChart.Bar { BarChart.Bar(value: r.value, lower: r.q1, upper: r.q3) }
        func logScale(_ values: [Double]) -> Bool {
            let positive = values.filter { $0 > 0 }
            return (positive.max() ?? 1) / (positive.min() ?? 1) > 20
        }
        var chart: BarChart
        var caption = "Medians; the error bars span the quartiles of the samples."
        switch id {
        case "load":
            let loads = ["idle"] + Set(rows.compactMap(\.load)).subtracting(["idle"]).sorted()
            var seen = Set<String>()
            let lines = rows.filter { seen.insert($0.benchmark).inserted }.map { r in
                BarChart.Row(label: r.item, bars: loads.map { load in rows.first { $0.benchmark == r.benchmark && $0.load == load }.map(bar) })
            }
            chart = BarChart(title: title, axisTitle: "time per operation, ns", unit: "ns", series: loads, rows: lines, log: logScale(rows.map(\.value)))
        case "memory":
            let lines = rows.map { r in
                BarChart.Row(label: r.item, bars: [r.memlockErrorPercent == nil ? nil : bar(r), r.memlockBytes.map { BarChart.Bar(value: $0) }])
            }
            caption = "Kernel memory charged to bpfgate's memory cgroup for each map (median of fresh maps) beside its memlock in fdinfo."
            chart = BarChart(title: title, axisTitle: "memory, bytes", unit: "bytes", series: ["charged to the cgroup", "memlock (fdinfo)"], rows: lines,
                             log: true)
        case "capacity":
            let lines = (validation ?? []).map { v in
                BarChart.Row(label: "\(v.program) at \(TerminalTable.format(v.eventsPerSecond)) events/s",
                             bars: [BarChart.Bar(value: v.predictedCpuPercent), BarChart.Bar(value: v.measuredCpuPercent)])
            }
            guard !lines.isEmpty else { return [] }
            caption = "Per program and rate: (ns per event + the hook's own cost) x events per second, against the workload's CPU with the program minus without."
            chart = BarChart(title: "Predicted against measured CPU at fixed rates", axisTitle: "CPU, % of one CPU", unit: "%",
                             series: ["predicted (ns per event x rate)", "measured"], rows: lines, log: false)
        default:
            let shown = id == "maps" ? rows.filter { $0.benchmark.hasSuffix("/lookup") } : rows
            guard !shown.isEmpty else { return [] }
            let unit = shown.first?.unit ?? "ns"
            chart = BarChart(title: title, axisTitle: "median with quartiles, \(unit)", unit: unit, series: ["median"],
                             rows: shown.map { BarChart.Row(label: $0.item, bars: [bar($0)]) }, log: logScale(shown.map(\.value)))
        }
        return [ReportSection.Chart(id: id, caption: caption, svg: chart.svg())]
    }

    /// The numbers behind the section, header row first.
    func table() -> [[String]] {
        if let checks = validation, !checks.isEmpty, rows.isEmpty || id == "capacity" {
            return [["program", "events/s", "predicted, % of one CPU", "measured, % of one CPU", "run"]] + checks.map {
                [$0.program, TerminalTable.format($0.eventsPerSecond), String(format: "%.2f", $0.predictedCpuPercent),
                 String(format: "%.2f", $0.measuredCpuPercent), String($0.runID.prefix(8))]
            } + rows.map { [$0.item, "", value($0.value, $0.unit), "", String($0.runID.prefix(8))] }
        }
        return [["", "benchmark", "median", "quartiles", "load", "memlock", "run", "published"]] + rows.map { r in
            [r.item, r.benchmark, value(r.value, r.unit), "\(TerminalTable.format(r.q1))..\(TerminalTable.format(r.q3))", r.load ?? "",
             r.memlockBytes.map { value($0, "B") + (r.memlockErrorPercent.map { String(format: " (%+.1f %%)", $0) } ?? "") } ?? "",
             String(r.runID.prefix(8)), r.published.map { $0.text + (r.outsidePublished == true ? " (outside)" : "") } ?? ""]
        }
    }
}
