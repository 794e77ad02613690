import Archive
import DICOM
import DICOMCore
import DICOMDictionary
import Foundation
import NIOCore
import Testing

/// One suite for every `IndexStore`: each test runs against SQLite and PostgreSQL (`Backend`).
@Suite("IndexStore conformance")
struct IndexStoreConformanceTests {
    // MARK: - Registration and duplicates

    @Test(arguments: Backend.allCases)
    func registersAndAnswersDuplicates(_ backend: Backend) async throws {
        try await withIndexStore(backend) { store in
            let first = TestInstance()
            #expect(try await store.register([first]) == [.stored])
            // Same bytes: nothing changes.
            #expect(try await store.register([first]) == [.alreadyStored(first.object)])

            var other = first
            other.content = "b"
            other.size = 1500
            // Other bytes, keep first (the default).
            #expect(try await store.register([other]) == [.keptFirst(existing: first.object)])
            var stored = try await store.instances(
                .study(studyInstanceUID: first.studyInstanceUID), scope: scope(.alpha))
            #expect(stored.map(\.object) == [first.object])

            // Other bytes, replace: the previous version stays recorded.
            #expect(try await store.register([other], duplicates: .replace) == [.replaced(previous: first.object)])
            stored = try await store.instances(.study(studyInstanceUID: first.studyInstanceUID), scope: scope(.alpha))
            #expect(stored.map(\.object) == [other.object])
            #expect(stored.first?.version == 2)

            let page = try await store.instancePage(after: nil, limit: 10, scope: scope(.alpha))
            #expect(page.map(\.object.blobKey) == [first.blobKey, other.blobKey].sorted())
            #expect(page.first { $0.object == first.object }?.isCurrentVersion == false)
            #expect(page.first { $0.object == other.object }?.isCurrentVersion == true)
            let referenced = try await store.referencedBlobKeys(
                among: [first.blobKey, other.blobKey, BlobKey(rawValue: "alpha/unknown")], scope: scope(.alpha))
            #expect(referenced == [first.blobKey, other.blobKey])

            let statistics = try await store.statistics(scope: scope(.alpha))
            #expect(
                statistics == [
                    TenantStatistics(tenant: "alpha", patients: 1, studies: 1, series: 1, instances: 1, bytes: 1500)
                ])
        }
    }

    @Test(arguments: Backend.allCases)
    func duplicatesWithinOneBatchApplyInOrder(_ backend: Backend) async throws {
        try await withIndexStore(backend) { store in
            let first = TestInstance()
            var second = first
            second.content = "b"
            var third = first
            third.content = "c"
            let outcomes = try await store.register([first, first, second, third], duplicates: .replace)
            #expect(
                outcomes == [
                    .stored, .alreadyStored(first.object), .replaced(previous: first.object),
                    .replaced(previous: second.object),
                ])
            let stored = try await store.instances(
                .study(studyInstanceUID: first.studyInstanceUID), scope: scope(.alpha))
            #expect(stored.map(\.object) == [third.object])
            #expect(stored.first?.version == 3)
            let page = try await store.instancePage(after: nil, limit: 10, scope: scope(.alpha))
            #expect(Set(page.map(\.version)) == [1, 2, 3])
            let statistics = try await store.statistics(scope: scope(.alpha))
            #expect(statistics.first?.instances == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func concurrentRegistrationsIntoOneNewStudyKeepCountsRight(_ backend: Backend) async throws {
        try await withIndexStore(backend) { store in
            try await store.prepare()  // idempotent
            // Eight writers create the same patient, study and series at once (PostgreSQL: separate connections,
            // as separate nodes would), with the same duplicate among them.
            let outcomes = try await withThrowingTaskGroup(of: [RegistrationOutcome].self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        var instance = TestInstance()
                        instance.sopInstanceUID = "1.2.3.1.1.\(writer + 10)"
                        instance.instanceNumber = writer + 10
                        var shared = TestInstance()
                        shared.sopInstanceUID = "1.2.3.1.1.1"
                        return try await store.register([instance, shared])
                    }
                }
                var all: [RegistrationOutcome] = []
                for try await outcomes in group { all += outcomes }
                return all
            }
            #expect(outcomes.filter { $0 == .stored }.count == 9)
            #expect(outcomes.filter { $0 == .alreadyStored(TestInstance().object) }.count == 7)
            let study = try #require(try await store.find(.study).matches.first)
            #expect(study.string(.numberOfStudyRelatedInstances) == "9")
            #expect(study.string(.numberOfStudyRelatedSeries) == "1")
            let statistics = try await store.statistics(scope: scope(.alpha))
            #expect(
                statistics == [
                    TenantStatistics(tenant: "alpha", patients: 1, studies: 1, series: 1, instances: 9, bytes: 9000)
                ])
        }
    }

    @Test(arguments: Backend.allCases)
    func refusesRegistrationsOutsideTheScopeOrWithoutWriteAction(_ backend: Backend) async throws {
        try await withIndexStore(backend) { store in
            var foreign = TestInstance()
            foreign.tenant = .beta
            await #expect(throws: IndexStoreError.self) {
                try await store.register(
                    [TestInstance().registration(), foreign.registration()], duplicates: .keepFirst,
                    scope: scope(.alpha, .write))
            }
            await #expect(throws: IndexStoreError.self) {
                try await store.register(
                    [TestInstance().registration()], duplicates: .keepFirst, scope: scope(.alpha, .read))
            }
            await #expect(throws: IndexStoreError.self) {
                try await store.delete(.study(studyInstanceUID: "1.2.3.1"), scope: scope(.alpha, .write))
            }
            // Nothing of the refused batch was written.
            let statistics = try await store.statistics(scope: scope(.alpha))
            #expect(statistics.first?.instances == 0)
        }
    }

    // MARK: - Attribute conflicts

    @Test(arguments: Backend.allCases)
    func recordsAttributeConflictsAndKeepsTheFirstValue(_ backend: Backend) async throws {
        try await withIndexStore(backend) { store in
            var first = TestInstance()
            first.patientName = "DOE^JON"
            var corrected = first
            corrected.sopInstanceUID = "1.2.3.1.1.2"
            corrected.patientName = "DOE^JOHN"
            corrected.studyDescription = "CT THORAX W/O"
            try await store.register([first])
            try await store.register([corrected])

            let patients = try await store.find(.patient)
            #expect(patients.values(.patientName) == ["DOE^JON"])
            let conflicts = try await store.attributeConflicts(nil, scope: scope(.alpha))
            #expect(conflicts.count == 2)
            let nameConflict = try #require(conflicts.first { $0.tag == .patientName })
            #expect(nameConflict.level == .patient)
            #expect(nameConflict.entityKey == "P1")
            #expect(nameConflict.keptValue?.contains("DOE^JON\"") == true)
            #expect(nameConflict.receivedValue?.contains("DOE^JOHN") == true)
            #expect(nameConflict.sopInstanceUID == "1.2.3.1.1.2")
            let descriptionConflict = try #require(conflicts.first { $0.tag == .studyDescription })
            #expect(descriptionConflict.level == .study)
            #expect(descriptionConflict.entityKey == first.studyInstanceUID)

            // A study arriving under another patient stays with its first patient.
            var otherPatient = first
            otherPatient.sopInstanceUID = "1.2.3.1.1.3"
            otherPatient.patientID = "P9"
            try await store.register([otherPatient])
            let studies = try await store.find(.study)
            #expect(studies.values(.patientID) == ["P1"])
            #expect(try await store.find(.patient).matches.count == 1)
            let patientConflict = try await store.attributeConflicts(
                .study(studyInstanceUID: first.studyInstanceUID), scope: scope(.alpha)
            ).filter { $0.tag == .patientID }
            #expect(patientConflict.count == 1)
            #expect(patientConflict.first?.receivedValue?.contains("P9") == true)

            // A series arriving under another study stays in its first study.
            var otherStudy = first
            otherStudy.sopInstanceUID = "1.2.3.1.1.4"
            otherStudy.studyInstanceUID = "1.2.3.99"
            try await store.register([otherStudy])
            #expect(try await store.find(.study).matches.count == 1)
            #expect(try await store.find(.study).values(.numberOfStudyRelatedInstances) == ["4"])
            let seriesConflicts = try await store.attributeConflicts(
                .series(studyInstanceUID: nil, seriesInstanceUID: first.seriesInstanceUID), scope: scope(.alpha))
            #expect(seriesConflicts.map(\.tag) == [.studyInstanceUID])

            // Deleting the patient removes the conflicts recorded against it.
            _ = try await store.delete(.patient(patientID: "P1", issuerOfPatientID: nil), scope: scope(.alpha, .delete))
            #expect(try await store.attributeConflicts(nil, scope: scope(.alpha)).isEmpty)
        }
    }

    // MARK: - Matching

    @Test(arguments: Backend.allCases)
    func matchesAtThePatientLevel(_ backend: Backend) async throws {
        try await withIndexStore(backend) { store in
            try await store.register(sampleInstances())
            #expect(try await store.find(.patient, [(.patientID, "P2")]).values(.patientID) == ["P2"])
            #expect(try await store.find(.patient, [(.patientID, "P*")]).values(.patientID) == ["P1", "P2"])
            #expect(try await store.find(.patient, [(.patientID, "p*")]).matches.isEmpty)
            // PN: case-insensitive, single value and wildcards.
            #expect(try await store.find(.patient, [(.patientName, "doe*")]).values(.patientID) == ["P1"])
            #expect(try await store.find(.patient, [(.patientName, "doe^john")]).values(.patientID) == ["P1"])
            #expect(try await store.find(.patient, [(.patientName, "?OE^J*N")]).values(.patientID) == ["P1"])
            #expect(try await store.find(.patient, [(.patientName, "MÜLLER*")]).values(.patientID) == ["P2"])
            #expect(try await store.find(.patient, [(.patientName, "mull*")]).matches.isEmpty)
            #expect(
                try await store.find(.patient, [(.patientBirthDate, "19800101-")]).values(.patientID) == ["P2"])
            #expect(try await store.find(.patient, [(.patientSex, "M")]).values(.patientID) == ["P1"])
            // Computed attributes.
            let p1 = try #require(try await store.find(.patient, [(.patientID, "P1")]).matches.first)
            #expect(p1.string(.numberOfPatientRelatedStudies) == "2")
            #expect(p1.string(.numberOfPatientRelatedSeries) == "3")
            #expect(p1.string(.numberOfPatientRelatedInstances) == "4")
            #expect(p1.string(.specificCharacterSet) == "ISO_IR 192")
            let p2 = try #require(try await store.find(.patient, [(.patientID, "P2")]).matches.first)
            #expect(p2.string(.patientName) == "Müller^Zoë")
        }
    }

    @Test(arguments: Backend.allCases)
    func matchesAtTheStudyLevel(_ backend: Backend) async throws {
        try await withIndexStore(backend) { store in
            try await store.register(sampleInstances())
            func uids(_ keys: [(Tag, String)], fuzzy: Bool = false, combined: Bool = false) async throws -> [String] {
                try await store.find(.study, keys, fuzzy: fuzzy, combined: combined).values(.studyInstanceUID)
            }
            #expect(try await uids([]) == ["1.2.3.1", "1.2.3.2", "1.2.3.3"])
            #expect(try await uids([(.studyInstanceUID, "1.2.3.3")]) == ["1.2.3.3"])
            #expect(try await uids([(.studyInstanceUID, "1.2.3.3\\1.2.3.1\\9.9")]) == ["1.2.3.1", "1.2.3.3"])
            #expect(try await uids([(.studyDate, "20200115")]) == ["1.2.3.1"])
            #expect(try await uids([(.studyDate, "20200101-20201231")]) == ["1.2.3.1", "1.2.3.3"])
            #expect(try await uids([(.studyDate, "20210101-")]) == ["1.2.3.2"])
            #expect(try await uids([(.studyDate, "-20200115")]) == ["1.2.3.1"])
            #expect(try await uids([(.studyTime, "1000-1100")]) == ["1.2.3.1"])
            #expect(try await uids([(.studyTime, "-0900")]) == ["1.2.3.2"])
            #expect(try await uids([(.studyTime, "23")]) == ["1.2.3.3"])
            // Separate date and time ranges versus one combined date-time range (PS3.4 §C.2.2.2.5.1).
            let dateAndTime: [(Tag, String)] = [(.studyDate, "20200115-20200116"), (.studyTime, "0000-0100")]
            #expect(try await uids(dateAndTime).isEmpty)
            #expect(try await uids(dateAndTime, combined: true) == ["1.2.3.1"])
            #expect(
                try await uids([(.studyDate, "20200115-20200116"), (.studyTime, "1100-2300")], combined: true).isEmpty)
            #expect(
                try await uids([(.studyDate, "20200115-20200116"), (.studyTime, "1000-2330")], combined: true)
                    == ["1.2.3.1", "1.2.3.3"])
            #expect(try await uids([(.accessionNumber, "ACC2")]) == ["1.2.3.2"])
            #expect(try await uids([(.accessionNumber, "ACC?")]) == ["1.2.3.1", "1.2.3.2", "1.2.3.3"])
            #expect(try await uids([(.studyDescription, "*THORAX")]) == ["1.2.3.1", "1.2.3.3"])
            #expect(try await uids([(.modalitiesInStudy, "SR")]) == ["1.2.3.1"])
            #expect(try await uids([(.modalitiesInStudy, "MR\\SR")]) == ["1.2.3.1", "1.2.3.2"])
            #expect(try await uids([(.referringPhysicianName, "smith*")]) == ["1.2.3.1", "1.2.3.3"])
            #expect(try await uids([(.patientName, "DOE*"), (.studyDate, "20200115")]) == ["1.2.3.1"])
            #expect(try await uids([(.patientName, "DOE*"), (.studyDate, "20210301")]) == ["1.2.3.2"])
            // Fuzzy: word prefixes, case and accents ignored.
            #expect(try await uids([(.patientName, "zoe")], fuzzy: true) == ["1.2.3.3"])
            #expect(try await uids([(.patientName, "mul zo")], fuzzy: true) == ["1.2.3.3"])
            #expect(try await uids([(.patientName, "jo")], fuzzy: true) == ["1.2.3.1", "1.2.3.2"])
            #expect(try await uids([(.patientName, "ohn")], fuzzy: true).isEmpty)

            let study = try #require(try await store.find(.study, [(.studyInstanceUID, "1.2.3.1")]).matches.first)
            #expect(study.strings(.modalitiesInStudy) == ["CT", "SR"])
            #expect(study.string(.numberOfStudyRelatedSeries) == "2")
            #expect(study.string(.numberOfStudyRelatedInstances) == "3")
            #expect(study.string(.patientName) == "DOE^JOHN")
            #expect(study.string(.studyTime) == "101500")
        }
    }

    @Test(arguments: Backend.allCases)
    func matchesAtTheSeriesAndInstanceLevels(_ backend: Backend) async throws {
        try await withIndexStore(backend) { store in
            try await store.register(sampleInstances())
            let ct = try await store.find(.series, [(.modality, "CT")])
            #expect(ct.values(.seriesInstanceUID) == ["1.2.3.1.1", "1.2.3.3.1"])
            #expect(ct.values(.numberOfSeriesRelatedInstances) == ["2", "1"])
            #expect(ct.values(.studyInstanceUID) == ["1.2.3.1", "1.2.3.3"])
            #expect(
                try await store.find(.series, [(.studyInstanceUID, "1.2.3.1"), (.seriesNumber, "2")])
                    .values(.seriesInstanceUID) == ["1.2.3.1.2"])
            #expect(
                try await store.find(.series, [(.seriesInstanceUID, "1.2.3.1.2\\1.2.3.2.1")])
                    .values(.modality) == ["SR", "MR"])
            #expect(try await store.find(.series, [(.seriesDescription, "REP*")]).values(.modality) == ["SR"])

            let instances = try await store.find(.instance, [(.seriesInstanceUID, "1.2.3.1.1")])
            #expect(instances.values(.sopInstanceUID) == ["1.2.3.1.1.1", "1.2.3.1.1.2"])
            #expect(instances.values(.availableTransferSyntaxUID) == ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1"])
            #expect(instances.matches.first?.strings(.imageType) == ["ORIGINAL", "PRIMARY", "AXIAL"])
            #expect(
                try await store.find(.instance, [(.sopClassUID, "1.2.840.10008.5.1.4.1.1.88.22")])
                    .values(.sopInstanceUID) == ["1.2.3.1.2.1"])
            #expect(
                try await store.find(.instance, [(.instanceNumber, "2")]).values(.sopInstanceUID) == ["1.2.3.1.1.2"])
            #expect(
                try await store.find(.instance, [(.sopInstanceUID, "1.2.3.3.1.1\\1.2.3.2.1.1")])
                    .values(.studyInstanceUID) == ["1.2.3.2", "1.2.3.3"])
            #expect(
                try await store.find(.instance, [(.patientID, "P2"), (.modality, "CT")]).values(.sopInstanceUID)
                    == ["1.2.3.3.1.1"])
        }
    }

    @Test(arguments: Backend.allCases)
    func returnsEmptyAndUnmatchedKeys(_ backend: Backend) async throws {
        try await withIndexStore(backend) { store in
            try await store.register(sampleInstances())
            // PatientBirthTime is unknown: returned empty. OtherPatientNames has a value but is not matched: it
            // is reported, and filters nothing.
            let result = try await store.find(
                .study, [(.patientBirthTime, ""), (.otherPatientNames, "NOBODY"), (.studyDate, "")])
            #expect(result.matches.count == 3)
            #expect(result.unmatchedKeys == [.otherPatientNames])
            for match in result.matches {
                #expect(match.contains(.patientBirthTime))
                #expect(match[.patientBirthTime]?.bytes?.readableBytes == 0)
                #expect(match.contains(.otherPatientNames))
                #expect(match.string(.studyDate) != nil)
            }
            await #expect(throws: InvalidMatchValue.self) {
                try await store.find(.study, [(.studyDate, "2020-01-01*")])
            }
        }
    }

    // MARK: - Computed attributes, paging, deletion

    @Test(arguments: Backend.allCases)
    func keepsComputedAttributesRightThroughAddsAndDeletes(_ backend: Backend) async throws {
        try await withIndexStore(backend) { store in
            let sample = sampleInstances()
            try await store.register(Array(sample.prefix(2)))
            var study = try #require(try await store.find(.study, [(.studyInstanceUID, "1.2.3.1")]).matches.first)
            #expect(study.strings(.modalitiesInStudy) == ["CT"])
            #expect(study.string(.numberOfStudyRelatedInstances) == "2")
            try await store.register([sample[2]])
            study = try #require(try await store.find(.study, [(.studyInstanceUID, "1.2.3.1")]).matches.first)
            #expect(study.strings(.modalitiesInStudy) == ["CT", "SR"])
            #expect(study.string(.numberOfStudyRelatedSeries) == "2")
            #expect(study.string(.numberOfStudyRelatedInstances) == "3")

            // Deleting the only SR instance removes its series and the modality.
            let removed = try await store.delete(
                .instance(studyInstanceUID: "1.2.3.1", seriesInstanceUID: nil, sopInstanceUID: "1.2.3.1.2.1"),
                scope: scope(.alpha, .delete))
            #expect(removed.map(\.sopInstanceUID) == ["1.2.3.1.2.1"])
            study = try #require(try await store.find(.study, [(.studyInstanceUID, "1.2.3.1")]).matches.first)
            #expect(study.strings(.modalitiesInStudy) == ["CT"])
            #expect(study.string(.numberOfStudyRelatedSeries) == "1")
            #expect(study.string(.numberOfStudyRelatedInstances) == "2")
            #expect(try await store.find(.series, [(.studyInstanceUID, "1.2.3.1")]).matches.count == 1)

            // One of two CT instances: the series stays with one.
            _ = try await store.delete(
                .instance(studyInstanceUID: nil, seriesInstanceUID: nil, sopInstanceUID: "1.2.3.1.1.2"),
                scope: scope(.alpha, .delete))
            let series = try await store.find(.series, [(.studyInstanceUID, "1.2.3.1")])
            #expect(series.values(.numberOfSeriesRelatedInstances) == ["1"])
            let patient = try #require(try await store.find(.patient).matches.first)
            #expect(patient.string(.numberOfPatientRelatedInstances) == "1")
            #expect(patient.string(.numberOfPatientRelatedSeries) == "1")
            #expect(patient.string(.numberOfPatientRelatedStudies) == "1")
        }
    }

    @Test(arguments: Backend.allCases)
    func pagesWithLimitAndOffset(_ backend: Backend) async throws {
        try await withIndexStore(backend) { store in
            var instances: [TestInstance] = []
            for index in 0..<7 {
                var instance = TestInstance()
                instance.patientID = "P\(index)"
                instance.studyInstanceUID = "1.2.9.\(index)"
                instance.seriesInstanceUID = "1.2.9.\(index).1"
                instance.sopInstanceUID = "1.2.9.\(index).1.1"
                instances.append(instance)
            }
            try await store.register(instances)
            let first = try await store.find(.study, limit: 3)
            #expect(first.values(.studyInstanceUID) == ["1.2.9.0", "1.2.9.1", "1.2.9.2"])
            #expect(first.totalCount == 7)
            let last = try await store.find(.study, limit: 3, offset: 6)
            #expect(last.values(.studyInstanceUID) == ["1.2.9.6"])
            #expect(last.totalCount == 7)
            let beyond = try await store.find(.study, limit: 3, offset: 10)
            #expect(beyond.matches.isEmpty)
            #expect(beyond.totalCount == 7)
            let whole = try await store.find(.study, limit: 7)
            #expect(whole.matches.count == 7)
            #expect(whole.totalCount == nil)
            let computed = try await store.find(.study, [(.modalitiesInStudy, "CT")], limit: 2)
            #expect(computed.values(.studyInstanceUID) == ["1.2.9.0", "1.2.9.1"])
            #expect(computed.totalCount == 7)
            let filtered = try await store.find(.study, [(.patientID, "P1\\P2")], limit: 1)
            #expect(filtered.matches.isEmpty)
            let wildcard = try await store.find(.study, [(.patientID, "P?")], limit: 2, offset: 1)
            #expect(wildcard.values(.patientID) == ["P1", "P2"])
            #expect(wildcard.totalCount == 7)
        }
    }

    @Test(arguments: Backend.allCases)
    func deletesDownTheHierarchyAndRemovesEmptiedParents(_ backend: Backend) async throws {
        try await withIndexStore(backend) { store in
            let sample = sampleInstances()
            try await store.register(sample)
            var replacement = sample[3]
            replacement.content = "v2"
            try await store.register([replacement], duplicates: .replace)

            let removedStudy = try await store.delete(
                .study(studyInstanceUID: "1.2.3.2"), scope: scope(.alpha, .delete))
            // The current instance and its superseded version, so that the caller removes both blobs.
            #expect(Set(removedStudy.map(\.object.blobKey)) == [sample[3].blobKey, replacement.blobKey])
            #expect(try await store.find(.study, [(.patientID, "P1")]).matches.count == 1)
            var statistics = try await store.statistics(scope: scope(.alpha))
            #expect(
                statistics == [
                    TenantStatistics(tenant: "alpha", patients: 2, studies: 2, series: 3, instances: 4, bytes: 3500)
                ])

            let removedPatient = try await store.delete(
                .patient(patientID: "P1", issuerOfPatientID: nil), scope: scope(.alpha, .delete))
            #expect(removedPatient.count == 3)
            #expect(try await store.find(.patient).values(.patientID) == ["P2"])
            statistics = try await store.statistics(scope: scope(.alpha))
            #expect(
                statistics == [
                    TenantStatistics(tenant: "alpha", patients: 1, studies: 1, series: 1, instances: 1, bytes: 1000)
                ])

            // A selector whose levels do not agree selects nothing.
            let none = try await store.delete(
                .series(studyInstanceUID: "1.2.3.1", seriesInstanceUID: "1.2.3.3.1"), scope: scope(.alpha, .delete))
            #expect(none.isEmpty)
            _ = try await store.delete(
                .series(studyInstanceUID: "1.2.3.3", seriesInstanceUID: "1.2.3.3.1"), scope: scope(.alpha, .delete))
            statistics = try await store.statistics(scope: scope(.alpha))
            #expect(
                statistics == [
                    TenantStatistics(tenant: "alpha", patients: 0, studies: 0, series: 0, instances: 0, bytes: 0)
                ])
            #expect(try await store.instancePage(after: nil, limit: 100, scope: scope(.alpha)).isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func listsInstancesInHierarchicalOrderAndPagesByBlobKey(_ backend: Backend) async throws {
        try await withIndexStore(backend) { store in
            let sample = sampleInstances()
            try await store.register(sample.reversed())
            let p1 = try await store.instances(.patient(patientID: "P1", issuerOfPatientID: nil), scope: scope(.alpha))
            #expect(p1.map(\.sopInstanceUID) == ["1.2.3.1.1.1", "1.2.3.1.1.2", "1.2.3.1.2.1", "1.2.3.2.1.1"])
            #expect(
                try await store.instances(.patient(patientID: "P1", issuerOfPatientID: "OTHER"), scope: scope(.alpha))
                    .isEmpty)
            var seen: [BlobKey] = []
            var cursor: BlobKey?
            while true {
                let page = try await store.instancePage(after: cursor, limit: 2, scope: scope(.alpha))
                guard let last = page.last else { break }
                seen += page.map(\.object.blobKey)
                cursor = last.object.blobKey
            }
            #expect(seen == sample.map(\.blobKey).sorted())
        }
    }

    @Test("a study's instances come in series number, series UID, instance number, then SOP UID byte order",
        arguments: Backend.allCases)
    func ordersInstancesOfAStudyByEveryKey(_ backend: Backend) async throws {
        try await withIndexStore(backend) { store in
            /// (series UID, series number, SOP Instance UID, instance number), listed in the order expected.
            let expected: [(String, Int?, String, Int?)] = [
                ("1.2.3.1.9", 1, "1.2.3.1.9.5", 2),
                ("1.2.3.1.9", 1, "1.2.3.1.9.4", 10),
                // Equal numbers: the SOP Instance UID byte by byte ("10" before "9").
                ("1.2.3.1.9", 1, "1.2.3.1.9.10", nil),
                ("1.2.3.1.9", 1, "1.2.3.1.9.9", nil),
                // Same series number: the series UID decides, byte by byte.
                ("1.2.3.1.10", 2, "1.2.3.1.10.1", 1),
                ("1.2.3.1.8", 2, "1.2.3.1.8.1", 1),
                // A series without a number comes last.
                ("1.2.3.1.1", nil, "1.2.3.1.1.1", 1),
            ]
            let instances = expected.map { seriesUID, seriesNumber, sopUID, instanceNumber in
                var instance = TestInstance()
                instance.seriesInstanceUID = seriesUID
                instance.seriesNumber = seriesNumber
                instance.sopInstanceUID = sopUID
                instance.instanceNumber = instanceNumber
                return instance
            }
            try await store.register(instances.reversed())
            let stored = try await store.instances(.study(studyInstanceUID: "1.2.3.1"), scope: scope(.alpha))
            #expect(stored.map(\.sopInstanceUID) == expected.map(\.2))
        }
    }

    // MARK: - Tenant isolation

    @Test(arguments: Backend.allCases)
    func isolatesTenantsInEveryMethod(_ backend: Backend) async throws {
        try await withIndexStore(backend) { store in
            // The same UIDs in both tenants: independent records.
            try await store.register(sampleInstances(tenant: .alpha))
            var betaInstances = sampleInstances(tenant: .beta)
            for index in betaInstances.indices where betaInstances[index].patientID == "P1" {
                betaInstances[index].patientName = "BETA^ONLY"
            }
            betaInstances.append(
                {
                    var extra = TestInstance(tenant: .beta)
                    extra.patientID = "B9"
                    extra.studyInstanceUID = "9.9.9"
                    extra.seriesInstanceUID = "9.9.9.1"
                    extra.sopInstanceUID = "9.9.9.1.1"
                    return extra
                }())
            try await store.register(betaInstances)
            #expect(try await store.register(betaInstances.suffix(1)) == [.alreadyStored(betaInstances[5].object)])

            for level in QueryLevel.allCases {
                let alpha = try await store.find(level, tenant: .alpha)
                let beta = try await store.find(level, tenant: .beta)
                #expect(alpha.matches.count + 1 == beta.matches.count, "level \(level)")
            }
            #expect(try await store.find(.patient, [(.patientName, "BETA*")], tenant: .alpha).matches.isEmpty)
            #expect(try await store.find(.study, [(.studyInstanceUID, "9.9.9")], tenant: .alpha).matches.isEmpty)
            #expect(try await store.instances(.study(studyInstanceUID: "9.9.9"), scope: scope(.alpha)).isEmpty)
            let alphaStudy = try await store.instances(.study(studyInstanceUID: "1.2.3.1"), scope: scope(.alpha))
            #expect(alphaStudy.allSatisfy { $0.tenant == .alpha })
            #expect(alphaStudy.count == 3)

            #expect(
                try await store.referencedBlobKeys(among: betaInstances.map(\.blobKey), scope: scope(.alpha)).isEmpty)
            #expect(
                try await store.instancePage(after: nil, limit: 100, scope: scope(.alpha)).allSatisfy {
                    $0.tenant == .alpha
                })
            #expect(try await store.statistics(scope: scope(.alpha)).map(\.instances) == [5])
            #expect(try await store.statistics(scope: scope(.beta)).map(\.instances) == [6])

            // Conflicts are recorded and read per tenant.
            var conflicting = betaInstances[1]
            conflicting.sopInstanceUID = "1.2.3.1.1.7"
            conflicting.patientName = "BETA^CHANGED"
            try await store.register([conflicting])
            #expect(try await store.attributeConflicts(nil, scope: scope(.alpha)).isEmpty)
            #expect(try await store.attributeConflicts(nil, scope: scope(.beta)).count == 1)

            // Alpha's scope deletes nothing of beta's, even naming beta's UIDs.
            #expect(try await store.delete(.study(studyInstanceUID: "9.9.9"), scope: scope(.alpha, .delete)).isEmpty)
            let removed = try await store.delete(.study(studyInstanceUID: "1.2.3.1"), scope: scope(.alpha, .delete))
            #expect(removed.count == 3 && removed.allSatisfy { $0.tenant == .alpha })
            #expect(try await store.instances(.study(studyInstanceUID: "1.2.3.1"), scope: scope(.beta)).count == 4)
            #expect(try await store.statistics(scope: scope(.beta)).map(\.instances) == [7])

            // A scope over both tenants sees both, per tenant.
            let both = AccessScope(
                context: .system(.alpha, task: "index-tests"), action: .read, tenants: [.alpha, .beta])
            #expect(try await store.statistics(scope: both).map(\.tenant) == ["alpha", "beta"])
            #expect(try await store.find(IndexQuery(level: .study), scope: both).matches.count == 6)
        }
    }

    // MARK: - Hostile values

    @Test(arguments: Backend.allCases)
    func treatsHostileQueryValuesAsPlainText(_ backend: Backend) async throws {
        try await withIndexStore(backend) { store in
            var quoted = TestInstance()
            quoted.patientID = "O'BRIEN%_1"
            quoted.patientName = "O'BRIEN^SEÁN"
            quoted.accessionNumber = "A_1%"
            var plain = TestInstance()
            plain.patientID = "OXBRIENAB1"
            plain.patientName = "OXBRIEN^SEAN"
            plain.accessionNumber = "AB1X"
            plain.studyInstanceUID = "1.2.3.5"
            plain.seriesInstanceUID = "1.2.3.5.1"
            plain.sopInstanceUID = "1.2.3.5.1.1"
            try await store.register([quoted, plain])

            #expect(try await store.find(.patient, [(.patientID, "O'BRIEN%_1")]).values(.patientID) == ["O'BRIEN%_1"])
            // % and _ of a value are literal, in single values and around wildcards.
            #expect(try await store.find(.patient, [(.patientID, "O%")]).matches.isEmpty)
            #expect(try await store.find(.patient, [(.patientID, "O'B*%_1")]).values(.patientID) == ["O'BRIEN%_1"])
            // A prefix ("literal text then *") is matched by a range alone: specials and the whole value included.
            #expect(try await store.find(.patient, [(.patientID, "O'BRIEN%_*")]).values(.patientID) == ["O'BRIEN%_1"])
            #expect(try await store.find(.patient, [(.patientID, "O'BRIEN%_1**")]).values(.patientID) == ["O'BRIEN%_1"])
            #expect(try await store.find(.patient, [(.patientID, "O'BRIEN%_10*")]).matches.isEmpty)
            #expect(try await store.find(.study, [(.accessionNumber, "A_1*")]).values(.accessionNumber) == ["A_1%"])
            #expect(try await store.find(.study, [(.accessionNumber, "A?1?")]).matches.count == 2)
            #expect(try await store.find(.patient, [(.patientName, "o'brien*")]).values(.patientID) == ["O'BRIEN%_1"])
            for hostile in [
                "'; DROP TABLE patients; --", "\" OR 1=1 --", "%", "_", "\\", "*\\*", "') OR ('1'='1", "$1", "?",
                "%' OR '1'='1", "O'BRIEN%_1\\OXBRIENAB1",
            ] {
                #expect(try await store.find(.patient, [(.patientID, hostile)]).matches.isEmpty, "value \(hostile)")
                #expect(
                    try await store.find(.study, [(.studyDescription, hostile)]).matches.isEmpty, "value \(hostile)")
                #expect(try await store.find(.study, [(.patientName, hostile)], fuzzy: true).matches.isEmpty)
            }
            #expect(try await store.find(.patient).matches.count == 2)
            #expect(try await store.statistics(scope: scope(.alpha)).first?.instances == 2)
        }
    }
}
