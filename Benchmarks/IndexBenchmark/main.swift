// Index benchmark: loads a synthetic archive (by default 100,000 studies, 1,000,000 instances) through
// `IndexStore.register` in large batches, then measures study-level query latency (p50, p95, p99) for the common
// queries: patient ID, patient name wildcard, date range, modality, accession number. Run by scripts/bench-index.
//
//   IndexBenchmark [--backend sqlite|postgres|both] [--studies N] [--instances-per-study N] [--batch N]
//                  [--queries N] [--limit N] [--data DIR] [--postgres-url URL] [--only QUERY-NAME-PREFIX]
//
// The SQLite file (DIR/index-<studies>.sqlite) and the PostgreSQL schema (bench_<studies>) are kept between runs:
// loading is skipped when they already hold the requested number of instances.
import Archive
import ArchivePostgres
import ArchiveSQLite
import DICOM
import DICOMCore
import DICOMDictionary
import Foundation
import Logging

struct Options {
    var backends: [String] = ["sqlite", "postgres"]
    var studies = 100_000
    var instancesPerStudy = 10
    var batch = 5_000
    var queries = 300
    var limit = 100
    var data = "bench-data/index"
    var postgresURL = ProcessInfo.processInfo.environment["NUAGE_TEST_POSTGRES_URL"]
    /// Only the query kinds whose name starts with this (for profiling one).
    var only: String?

    init(arguments: [String]) throws {
        var iterator = arguments.dropFirst().makeIterator()
        func value(_ name: String) throws -> String {
            guard let value = iterator.next() else { throw BenchmarkError("\(name) needs a value") }
            return value
        }
        func integer(_ name: String) throws -> Int {
            guard let integer = Int(try value(name)), integer > 0 else {
                throw BenchmarkError("\(name) needs a positive integer")
            }
            return integer
        }
        while let argument = iterator.next() {
            switch argument {
            case "--backend":
                let backend = try value(argument)
                backends = backend == "both" ? ["sqlite", "postgres"] : [backend]
            case "--studies": studies = try integer(argument)
            case "--instances-per-study": instancesPerStudy = try integer(argument)
            case "--batch": batch = try integer(argument)
            case "--queries": queries = try integer(argument)
            case "--limit": limit = try integer(argument)
            case "--data": data = try value(argument)
            case "--postgres-url": postgresURL = try value(argument)
            case "--only": only = try value(argument)
            default: throw BenchmarkError("unknown argument \(argument)")
            }
        }
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A deterministic pseudo-random generator (SplitMix64), so that every run loads the same archive.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum SyntheticArchive {
    static let familyNames = [
        "MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS", "MOREAU", "LAURENT",
        "SIMON", "MICHEL", "LEFEBVRE", "LEROY", "ROUX", "DAVID", "BERTRAND", "MOREL", "FOURNIER", "GIRARD",
        "BONNET", "DUPONT", "LAMBERT", "FONTAINE", "ROUSSEAU", "VINCENT", "MULLER", "LEFEVRE", "FAURE", "ANDRE",
        "MERCIER", "BLANC", "GUERIN", "BOYER", "GARNIER", "CHEVALIER", "FRANCOIS", "LEGRAND", "GAUTHIER", "GARCIA",
        "PERRIN", "ROBIN", "CLEMENT", "MORIN", "NICOLAS", "HENRY", "ROUSSEL", "MATHIEU", "GAUTIER", "MASSON",
        "SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "MILLER", "DAVIS", "WILSON", "ANDERSON", "TAYLOR",
        "SCHMIDT", "SCHNEIDER", "FISCHER", "WEBER", "MEYER", "WAGNER", "BECKER", "SCHULZ", "HOFFMANN", "KOCH",
        "ROSSI", "RUSSO", "FERRARI", "ESPOSITO", "BIANCHI", "ROMANO", "COLOMBO", "RICCI", "MARINO", "GRECO",
        "GARCIA", "FERNANDEZ", "GONZALEZ", "RODRIGUEZ", "LOPEZ", "MARTINEZ", "SANCHEZ", "PEREZ", "GOMEZ", "DIAZ",
        "SILVA", "SANTOS", "FERREIRA", "PEREIRA", "OLIVEIRA", "COSTA", "RODRIGUES", "ALVES", "NUNES", "SOUSA",
    ]
    static let givenNames = [
        "JEAN", "MARIE", "PIERRE", "ANNE", "LOUIS", "CLAIRE", "PAUL", "SOPHIE", "JACQUES", "JULIE", "MICHEL",
        "ISABELLE", "ALAIN", "CATHERINE", "ERIC", "NATHALIE", "JOHN", "MARY", "PETER", "SARAH", "HANS", "ANNA",
        "LUCA", "GIULIA", "CARLOS", "LUCIA", "JOAO", "ANA", "THOMAS", "EMMA",
    ]
    /// Modalities with their weights (out of 100).
    static let modalities: [(String, Int)] = [
        ("CT", 30), ("MR", 20), ("CR", 15), ("DX", 10), ("US", 10), ("PT", 5), ("MG", 5), ("NM", 5),
    ]
    static let studiesPerPatient = 2.5
    static let firstDay = 16_436  // 2015-01-01 in days since 1970
    static let days = 3_652  // ten years

    static func patientCount(studies: Int) -> Int { max(1, Int(Double(studies) / studiesPerPatient)) }

    static func patientID(_ index: Int) -> String { "PID" + pad(index, 8) }
    static func accession(_ study: Int) -> String { "ACC" + pad(study, 9) }
    static func studyUID(_ study: Int) -> String { "1.2.826.0.1.3680043.10.1000.\(study + 1)" }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    static func date(day: Int) -> String {
        let date = Date(timeIntervalSince1970: Double(day) * 86_400)
        let components = Calendar(identifier: .gregorian).dateComponents(
            in: TimeZone(identifier: "UTC") ?? .current, from: date)
        return pad(components.year ?? 2015, 4) + pad(components.month ?? 1, 2) + pad(components.day ?? 1, 2)
    }

    static func pickModality(_ generator: inout SeededGenerator) -> String {
        var roll = Int.random(in: 0..<100, using: &generator)
        for (modality, weight) in modalities {
            if roll < weight { return modality }
            roll -= weight
        }
        return "OT"
    }

    /// The registrations of one study: 1 to 3 series sharing `instancesPerStudy` instances.
    static func study(
        _ index: Int, of studies: Int, instancesPerStudy: Int, tenant: TenantID
    ) throws
        -> [InstanceRegistration]
    {
        var generator = SeededGenerator(state: UInt64(index) &* 7919 &+ 17)
        let patient = Int.random(in: 0..<patientCount(studies: studies), using: &generator)
        var patientGenerator = SeededGenerator(state: UInt64(patient) &* 104_729 &+ 3)
        let family = familyNames[Int.random(in: 0..<familyNames.count, using: &patientGenerator)]
        let given = givenNames[Int.random(in: 0..<givenNames.count, using: &patientGenerator)]
        let birthDay = Int.random(in: -25_000...15_000, using: &patientGenerator)
        let sex = Bool.random(using: &patientGenerator) ? "F" : "M"
        let day = firstDay + Int.random(in: 0..<days, using: &generator)
        let studyDate = date(day: day)
        let studyTime =
            pad(Int.random(in: 7..<20, using: &generator), 2) + pad(Int.random(in: 0..<60, using: &generator), 2) + "00"
        let primaryModality = pickModality(&generator)
        let seriesCount = min(instancesPerStudy, Int.random(in: 1...3, using: &generator))
        let studyUID = studyUID(index)
        var registrations: [InstanceRegistration] = []
        for instance in 0..<instancesPerStudy {
            let series = instance % seriesCount
            let modality = series == 2 ? "SR" : primaryModality
            let seriesUID = "\(studyUID).\(series + 1)"
            let sopUID = "\(seriesUID).\(instance + 1)"
            var header = DataSet()
            try header.setStrings(["ISO_IR 192"], for: .specificCharacterSet, vr: .CS)
            try header.setStrings(["ORIGINAL", "PRIMARY", "AXIAL"], for: .imageType, vr: .CS)
            try header.setStrings(["1.2.840.10008.5.1.4.1.1.2"], for: .sopClassUID, vr: .UI)
            try header.setStrings([sopUID], for: .sopInstanceUID, vr: .UI)
            try header.setStrings([studyDate], for: .studyDate, vr: .DA)
            try header.setStrings([studyTime], for: .studyTime, vr: .TM)
            try header.setStrings([accession(index)], for: .accessionNumber, vr: .SH)
            try header.setStrings([modality], for: .modality, vr: .CS)
            try header.setStrings(["NUAGE HOSPITAL"], for: .institutionName, vr: .LO)
            try header.setStrings(["REFERRER^DOCTOR"], for: .referringPhysicianName, vr: .PN)
            try header.setStrings(["\(modality) EXAMINATION"], for: .studyDescription, vr: .LO)
            try header.setStrings(["SERIES \(series + 1)"], for: .seriesDescription, vr: .LO)
            try header.setStrings(["\(family)^\(given)"], for: .patientName, vr: .PN)
            try header.setStrings([patientID(patient)], for: .patientID, vr: .LO)
            try header.setStrings([date(day: birthDay)], for: .patientBirthDate, vr: .DA)
            try header.setStrings([sex], for: .patientSex, vr: .CS)
            try header.setStrings([studyUID], for: .studyInstanceUID, vr: .UI)
            try header.setStrings([seriesUID], for: .seriesInstanceUID, vr: .UI)
            try header.setStrings(["\(index + 1)"], for: .studyID, vr: .SH)
            try header.setStrings(["\(series + 1)"], for: .seriesNumber, vr: .IS)
            try header.setStrings(["\(instance + 1)"], for: .instanceNumber, vr: .IS)
            let attributes = InstanceAttributes(
                patient: .init(
                    patientID: patientID(patient), patientName: "\(family)^\(given)",
                    patientBirthDate: date(day: birthDay), patientSex: sex),
                study: .init(
                    studyInstanceUID: studyUID, studyDate: studyDate, studyTime: studyTime,
                    accessionNumber: accession(index), studyDescription: "\(modality) EXAMINATION",
                    referringPhysicianName: "REFERRER^DOCTOR", studyID: "\(index + 1)"),
                series: .init(
                    seriesInstanceUID: seriesUID, modality: modality, seriesNumber: series + 1,
                    seriesDescription: "SERIES \(series + 1)"),
                instance: .init(
                    sopClassUID: "1.2.840.10008.5.1.4.1.1.2", sopInstanceUID: sopUID, instanceNumber: instance + 1))
            let object = StoredObject(
                blobKey: BlobKey(rawValue: "\(tenant)/\(studyUID)/\(seriesUID)/\(sopUID)"), size: 524_288,
                sha256: String(repeating: "0", count: 48) + pad(index, 8) + pad(instance, 8),
                transferSyntaxUID: "1.2.840.10008.1.2.1")
            registrations.append(
                InstanceRegistration(
                    tenant: tenant, attributes: attributes, header: header, object: object,
                    receivedAt: Date(timeIntervalSince1970: Double(day) * 86_400), source: "bench"))
        }
        return registrations
    }
}

struct QueryKind {
    var name: String
    var keys: (inout SeededGenerator) -> [(Tag, String)]
}

func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let index = min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
    return sorted[max(0, index)]
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
}

func run(
    _ store: some IndexStore, backend: String, options: Options, analyze: @Sendable () async throws -> Void
) async throws {
    let tenant = TenantID.defaultTenant
    let readScope = AccessScope(context: .system(tenant, task: "bench"), action: .read, tenants: [tenant])
    let writeScope = AccessScope(context: .system(tenant, task: "bench"), action: .write, tenants: [tenant])
    let clock = ContinuousClock()
    try await store.prepare()
    let target = options.studies * options.instancesPerStudy
    let existing = try await store.statistics(scope: readScope).first?.instances ?? 0
    if existing != target {
        if existing != 0 {
            throw BenchmarkError("\(backend): the index holds \(existing) instances, not \(target): remove it first")
        }
        print("[\(backend)] loading \(options.studies) studies, \(target) instances in batches of \(options.batch)…")
        let start = clock.now
        var pending: [InstanceRegistration] = []
        var loaded = 0
        var lastReport = clock.now
        for study in 0..<options.studies {
            pending += try SyntheticArchive.study(
                study, of: options.studies, instancesPerStudy: options.instancesPerStudy, tenant: tenant)
            if pending.count >= options.batch || study == options.studies - 1 {
                _ = try await store.register(pending, duplicates: .keepFirst, scope: writeScope)
                loaded += pending.count
                pending.removeAll(keepingCapacity: true)
                if clock.now - lastReport > .seconds(15) {
                    lastReport = clock.now
                    let seconds = milliseconds(clock.now - start) / 1000
                    print("[\(backend)]   \(loaded) instances, \(Int(Double(loaded) / seconds)) instances/s")
                }
            }
        }
        let seconds = milliseconds(clock.now - start) / 1000
        print(
            "[\(backend)] loaded \(loaded) instances in \(String(format: "%.0f", seconds)) s "
                + "(\(Int(Double(loaded) / seconds)) instances/s through register)")
        try await analyze()
    }
    let statistics = try await store.statistics(scope: readScope)
    print("[\(backend)] index: \(statistics)")

    let patients = SyntheticArchive.patientCount(studies: options.studies)
    let kinds: [QueryKind] = [
        QueryKind(name: "patient ID") { generator in
            [(.patientID, SyntheticArchive.patientID(Int.random(in: 0..<patients, using: &generator)))]
        },
        QueryKind(name: "name wildcard") { generator in
            let family = SyntheticArchive.familyNames.randomElement(using: &generator) ?? "MARTIN"
            return [(.patientName, String(family.prefix(4)).lowercased() + "*")]
        },
        QueryKind(name: "date range (7 days)") { generator in
            let day = SyntheticArchive.firstDay + Int.random(in: 0..<(SyntheticArchive.days - 7), using: &generator)
            return [(.studyDate, SyntheticArchive.date(day: day) + "-" + SyntheticArchive.date(day: day + 6))]
        },
        QueryKind(name: "modality") { generator in
            [(.modalitiesInStudy, SyntheticArchive.pickModality(&generator))]
        },
        QueryKind(name: "modality + date (1 day)") { generator in
            let day = SyntheticArchive.firstDay + Int.random(in: 0..<SyntheticArchive.days, using: &generator)
            return [
                (.modalitiesInStudy, SyntheticArchive.pickModality(&generator)),
                (.studyDate, SyntheticArchive.date(day: day)),
            ]
        },
        QueryKind(name: "accession") { generator in
            [(.accessionNumber, SyntheticArchive.accession(Int.random(in: 0..<options.studies, using: &generator)))]
        },
    ]
    print("")
    print(
        "| \(backend) study query (limit \(options.limit)) | p50 ms | p95 ms | p99 ms | mean matches | total when cut |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for kind in kinds where options.only.map({ kind.name.hasPrefix($0) }) ?? true {
        var generator = SeededGenerator(state: 42)
        var timings: [Double] = []
        var matched = 0
        var totals = 0
        for iteration in 0..<(options.queries + 20) {
            var query = IndexQuery(level: .study, limit: options.limit)
            for (tag, value) in kind.keys(&generator) { try query.addKey(tag, queryValue: value) }
            let start = clock.now
            let result = try await store.find(query, scope: readScope)
            let elapsed = milliseconds(clock.now - start)
            if iteration >= 20 {
                timings.append(elapsed)
                matched += result.matches.count
                totals += result.totalCount ?? result.matches.count
            }
        }
        timings.sort()
        let count = Double(timings.count)
        let figures = [
            String(format: "%.2f", percentile(timings, 0.5)), String(format: "%.2f", percentile(timings, 0.95)),
            String(format: "%.2f", percentile(timings, 0.99)), String(format: "%.1f", Double(matched) / count),
            String(format: "%.0f", Double(totals) / count),
        ]
        print("| \(kind.name) | " + figures.joined(separator: " | ") + " |")
    }
    print("")
}

let options: Options
do {
    options = try Options(arguments: CommandLine.arguments)
} catch {
    FileHandle.standardError.write(Data("IndexBenchmark: \(error)\n".utf8))
    exit(2)
}
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .warning
    return handler
}

for backend in options.backends {
    switch backend {
    case "sqlite":
        try FileManager.default.createDirectory(atPath: options.data, withIntermediateDirectories: true)
        let path = "\(options.data)/index-\(options.studies)x\(options.instancesPerStudy).sqlite"
        let store = try SQLiteIndexStore(path: path, cacheMebibytes: 256)
        try await run(store, backend: "sqlite", options: options) { try await store.analyze() }
    case "postgres":
        guard let url = options.postgresURL else {
            print("[postgres] skipped: no --postgres-url and no NUAGE_TEST_POSTGRES_URL")
            continue
        }
        let configuration = try PostgresIndexStore.Configuration(
            url: url, schema: "bench_\(options.studies)x\(options.instancesPerStudy)")
        try await PostgresIndexStore.withIndexStore(configuration) { store in
            try await run(store, backend: "postgres", options: options) { try await store.analyze() }
        }
    default:
        print("unknown backend \(backend)")
    }
}
