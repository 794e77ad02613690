/// The attributes of one instance that the index keeps, by level, as extracted from its data set at ingest.
///
/// Text is decoded with the data set's Specific Character Set and trimmed by the VR's rules; empty values are nil.
/// Dates, times and numbers stay in their DICOM string forms (validated at extraction) so that matching can work
/// on them as PS3.4 §C.2 describes.
public struct InstanceAttributes: Hashable, Sendable {
    public struct Patient: Hashable, Sendable {
        public var patientID: String
        public var issuerOfPatientID: String?
        public var patientName: String?
        public var patientBirthDate: String?
        public var patientSex: String?

        public init(
            patientID: String, issuerOfPatientID: String? = nil, patientName: String? = nil,
            patientBirthDate: String? = nil, patientSex: String? = nil
        ) {
            self.patientID = patientID
            self.issuerOfPatientID = issuerOfPatientID
            self.patientName = patientName
            self.patientBirthDate = patientBirthDate
            self.patientSex = patientSex
        }
    }

    public struct Study: Hashable, Sendable {
        public var studyInstanceUID: String
        public var studyDate: String?
        public var studyTime: String?
        public var accessionNumber: String?
        public var studyDescription: String?
        public var referringPhysicianName: String?
        public var studyID: String?

        public init(
            studyInstanceUID: String, studyDate: String? = nil, studyTime: String? = nil,
            accessionNumber: String? = nil, studyDescription: String? = nil, referringPhysicianName: String? = nil,
            studyID: String? = nil
        ) {
            self.studyInstanceUID = studyInstanceUID
            self.studyDate = studyDate
            self.studyTime = studyTime
            self.accessionNumber = accessionNumber
            self.studyDescription = studyDescription
            self.referringPhysicianName = referringPhysicianName
            self.studyID = studyID
        }
    }

    public struct Series: Hashable, Sendable {
        public var seriesInstanceUID: String
        public var modality: String?
        public var seriesNumber: Int?
        public var seriesDescription: String?
        public var bodyPartExamined: String?

        public init(
            seriesInstanceUID: String, modality: String? = nil, seriesNumber: Int? = nil,
            seriesDescription: String? = nil, bodyPartExamined: String? = nil
        ) {
            self.seriesInstanceUID = seriesInstanceUID
            self.modality = modality
            self.seriesNumber = seriesNumber
            self.seriesDescription = seriesDescription
            self.bodyPartExamined = bodyPartExamined
        }
    }

    public struct Instance: Hashable, Sendable {
        public var sopClassUID: String
        public var sopInstanceUID: String
        public var instanceNumber: Int?

        public init(sopClassUID: String, sopInstanceUID: String, instanceNumber: Int? = nil) {
            self.sopClassUID = sopClassUID
            self.sopInstanceUID = sopInstanceUID
            self.instanceNumber = instanceNumber
        }
    }

    public var patient: Patient
    public var study: Study
    public var series: Series
    public var instance: Instance

    public init(patient: Patient, study: Study, series: Series, instance: Instance) {
        self.patient = patient
        self.study = study
        self.series = series
        self.instance = instance
    }
}
