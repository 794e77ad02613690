/// One step of the index schema's history. Applied in order, each exactly once, inside a transaction; never edited
/// once released: a change is a new migration.
package struct IndexMigration: Sendable {
    /// Increasing from 1; PostgreSQL's `schema_migrations.version`.
    package var version: Int
    /// A stable name; GRDB's migration identifier.
    package var identifier: String
    /// The statements, in the dialect's SQL.
    package var statements: @Sendable (SQLDialect) -> [String]
}

/// The index schema, the same tables in both dialects.
///
/// Every table carries its tenant. Patients, studies and series reference their parent by `(tenant, parent id)`, a
/// foreign key to the parent's `UNIQUE (tenant, id)`, so the schema itself forbids a study under another tenant's
/// patient; deletes cascade down the hierarchy. Counters (`study_count`, `series_count`, `instance_count`,
/// `size_bytes`) and `modalities_in_study` are maintained by the writes that change them, in the same transaction,
/// and may never go negative (CHECK).
///
/// Each child's foreign key has an index that starts with its columns, `(tenant, parent id)`, which SQLite needs to
/// cascade deletes without scanning. Indexes start with the tenant (every query filters by it) and end with the
/// row's id, so that the id-only inner query of `find` is an index-only scan in PostgreSQL too (SQLite's rowid is
/// in every index already; the extra column costs it nothing).
///
/// Values kept for matching are normalised: dates `YYYYMMDD`, times `HHMMSS.FFFFFF` (the first instant the stored
/// value denotes, fixed width so that text order is time order), person names case-folded (`_normalised`) and as
/// words for fuzzy matching (`_fuzzy`). `issuer_of_patient_id` is '' when there is none, so that the unique key
/// works. Each level's `attributes` is the DICOM JSON of the attributes the first instance brought for that level
/// (`QueryAttributeCatalogue`). Instants are microseconds since 1970 (BIGINT).
package enum IndexSchema {
    package static let migrations: [IndexMigration] = [
        IndexMigration(version: 1, identifier: "v1-index", statements: version1),
        IndexMigration(version: 2, identifier: "v2-directory", statements: DirectorySchema.version2),
        IndexMigration(version: 3, identifier: "v3-compression-at-rest", statements: CompressionPrograms.version3),
        IndexMigration(version: 4, identifier: "v4-blob-key-order", statements: version4),
        IndexMigration(version: 5, identifier: "v5-retired-blobs", statements: CompressionPrograms.version5),
    ]

    /// Indexes for paging through a tenant's objects in blob key order (`instancePage`: verification,
    /// reconciliation, compression). Without them each page read every row of the tenant and sorted them, so a pass
    /// over the archive cost the square of its size.
    private static func version4(_ dialect: SQLDialect) -> [String] {
        [
            "CREATE INDEX instances_by_blob_key ON instances (tenant, blob_key)",
            "CREATE INDEX instance_versions_by_blob_key ON instance_versions (tenant, blob_key)",
        ]
    }

    private static func version1(_ dialect: SQLDialect) -> [String] {
        let pk = dialect.identityPrimaryKey
        let text = dialect.text
        let bigint = dialect.bigint
        let json = dialect.json
        func counter(_ name: String) -> String {
            "\(name) \(bigint) NOT NULL DEFAULT 0 CHECK (\(name) >= 0)"
        }
        return [
            """
            CREATE TABLE patients (
                id \(pk),
                tenant \(text) NOT NULL,
                patient_id \(text) NOT NULL,
                issuer_of_patient_id \(text) NOT NULL DEFAULT '',
                patient_name \(text),
                patient_name_normalised \(text),
                patient_name_fuzzy \(text),
                patient_birth_date \(text),
                patient_sex \(text),
                \(counter("study_count")),
                \(counter("series_count")),
                \(counter("instance_count")),
                \(counter("size_bytes")),
                attributes \(json) NOT NULL,
                UNIQUE (tenant, patient_id, issuer_of_patient_id),
                UNIQUE (tenant, id)
            )
            """,
            "CREATE INDEX patients_by_name ON patients (tenant, patient_name_normalised, id)",
            "CREATE INDEX patients_by_birth_date ON patients (tenant, patient_birth_date, id)",
            """
            CREATE TABLE studies (
                id \(pk),
                tenant \(text) NOT NULL,
                patient_fk \(bigint) NOT NULL,
                study_instance_uid \(text) NOT NULL,
                study_date \(text),
                study_time \(text),
                accession_number \(text),
                study_description \(text),
                referring_physician_name \(text),
                referring_physician_name_normalised \(text),
                referring_physician_name_fuzzy \(text),
                study_id \(text),
                modalities_in_study \(text) NOT NULL DEFAULT '',
                \(counter("series_count")),
                \(counter("instance_count")),
                \(counter("size_bytes")),
                attributes \(json) NOT NULL,
                UNIQUE (tenant, study_instance_uid),
                UNIQUE (tenant, id),
                FOREIGN KEY (tenant, patient_fk) REFERENCES patients (tenant, id) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX studies_by_patient ON studies (tenant, patient_fk, id)",
            "CREATE INDEX studies_by_date ON studies (tenant, study_date, study_time, id)",
            "CREATE INDEX studies_by_accession_number ON studies (tenant, accession_number, id)",
            """
            CREATE INDEX studies_by_referring_physician ON studies (tenant, referring_physician_name_normalised, id)
            """,
            """
            CREATE TABLE series (
                id \(pk),
                tenant \(text) NOT NULL,
                study_fk \(bigint) NOT NULL,
                series_instance_uid \(text) NOT NULL,
                modality \(text),
                series_number \(bigint),
                series_description \(text),
                body_part_examined \(text),
                \(counter("instance_count")),
                \(counter("size_bytes")),
                attributes \(json) NOT NULL,
                UNIQUE (tenant, series_instance_uid),
                UNIQUE (tenant, id),
                FOREIGN KEY (tenant, study_fk) REFERENCES studies (tenant, id) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX series_by_study ON series (tenant, study_fk, modality, id)",
            "CREATE INDEX series_by_modality ON series (tenant, modality, study_fk, id)",
            """
            CREATE TABLE instances (
                id \(pk),
                tenant \(text) NOT NULL,
                series_fk \(bigint) NOT NULL,
                sop_class_uid \(text) NOT NULL,
                sop_instance_uid \(text) NOT NULL,
                instance_number \(bigint),
                transfer_syntax_uid \(text) NOT NULL,
                size_bytes \(bigint) NOT NULL CHECK (size_bytes >= 0),
                sha256 \(text) NOT NULL,
                blob_key \(text) NOT NULL UNIQUE,
                received_at \(bigint) NOT NULL,
                source \(text) NOT NULL,
                version \(bigint) NOT NULL DEFAULT 1 CHECK (version >= 1),
                attributes \(json) NOT NULL,
                UNIQUE (tenant, sop_instance_uid),
                FOREIGN KEY (tenant, series_fk) REFERENCES series (tenant, id) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX instances_by_series ON instances (tenant, series_fk, instance_number, id)",
            """
            CREATE TABLE instance_versions (
                id \(pk),
                tenant \(text) NOT NULL,
                instance_fk \(bigint) NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
                version \(bigint) NOT NULL CHECK (version >= 1),
                sop_class_uid \(text) NOT NULL,
                transfer_syntax_uid \(text) NOT NULL,
                size_bytes \(bigint) NOT NULL CHECK (size_bytes >= 0),
                sha256 \(text) NOT NULL,
                blob_key \(text) NOT NULL UNIQUE,
                received_at \(bigint) NOT NULL,
                source \(text) NOT NULL,
                replaced_at \(bigint) NOT NULL,
                UNIQUE (instance_fk, version)
            )
            """,
            """
            CREATE TABLE attribute_conflicts (
                id \(pk),
                tenant \(text) NOT NULL,
                level \(text) NOT NULL CHECK (level IN ('patient', 'study', 'series', 'instance')),
                entity_key \(text) NOT NULL,
                tag \(text) NOT NULL,
                kept_value \(text),
                received_value \(text),
                sop_instance_uid \(text) NOT NULL,
                recorded_at \(bigint) NOT NULL,
                patient_fk \(bigint) NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
                study_fk \(bigint) REFERENCES studies (id) ON DELETE CASCADE,
                series_fk \(bigint) REFERENCES series (id) ON DELETE CASCADE,
                instance_fk \(bigint) REFERENCES instances (id) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX attribute_conflicts_by_tenant ON attribute_conflicts (tenant, id)",
            "CREATE INDEX attribute_conflicts_by_patient ON attribute_conflicts (patient_fk)",
            "CREATE INDEX attribute_conflicts_by_study ON attribute_conflicts (study_fk)",
            "CREATE INDEX attribute_conflicts_by_series ON attribute_conflicts (series_fk)",
            "CREATE INDEX attribute_conflicts_by_instance ON attribute_conflicts (instance_fk)",
        ]
    }
}
