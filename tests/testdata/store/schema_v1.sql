-- A Paperboy database at schema version 1, exactly as the first release created it.
-- tests/store/test_migrations.cpp builds a database from this file and checks that opening it
-- upgrades it in place. Do not edit: it stands for databases that already exist.
CREATE TABLE schema_version (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TEXT NOT NULL
);
CREATE TABLE papers (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    title TEXT NOT NULL DEFAULT '',
    abstract_raw TEXT NOT NULL DEFAULT '',
    abstract TEXT NOT NULL DEFAULT '',
    authors TEXT NOT NULL DEFAULT '[]',
    author_count INTEGER NOT NULL DEFAULT 0,
    categories TEXT NOT NULL DEFAULT '',
    published TEXT NOT NULL DEFAULT '',
    updated TEXT NOT NULL DEFAULT '',
    submitter TEXT NOT NULL DEFAULT '',
    comments TEXT NOT NULL DEFAULT '',
    journal_ref TEXT NOT NULL DEFAULT '',
    doi TEXT NOT NULL DEFAULT '',
    report_no TEXT NOT NULL DEFAULT '',
    license TEXT NOT NULL DEFAULT '',
    github_url TEXT NOT NULL DEFAULT '',
    project_url TEXT NOT NULL DEFAULT '',
    organization TEXT NOT NULL DEFAULT '',
    deleted INTEGER NOT NULL DEFAULT 0,
    seq INTEGER NOT NULL
);
CREATE TABLE daily_entries (
    date TEXT NOT NULL,
    paper_id TEXT NOT NULL REFERENCES papers (id),
    submitted_by TEXT NOT NULL DEFAULT '',
    submitted_at TEXT NOT NULL DEFAULT '',
    upvotes INTEGER NOT NULL DEFAULT 0,
    num_comments INTEGER NOT NULL DEFAULT 0,
    seq INTEGER NOT NULL,
    PRIMARY KEY (date, paper_id)
);
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL CHECK (entity IN ('paper', 'daily_entry')),
    paper_id TEXT NOT NULL,
    date TEXT NOT NULL DEFAULT '',
    deleted INTEGER NOT NULL DEFAULT 0,
    UNIQUE (entity, paper_id, date)
);
CREATE TABLE cursors (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
INSERT INTO schema_version (version, description, applied_at)
    VALUES (1, 'papers, daily_entries, changes, cursors', '2024-11-01T00:00:00Z');
INSERT INTO changes (entity, paper_id, date, deleted) VALUES ('paper', '2401.00001', '', 0);
INSERT INTO papers (id, version, title, abstract_raw, abstract, authors, author_count, categories,
                    published, updated, github_url, seq)
    VALUES ('2401.00001', 2, 'Old Title', 'An  abstract.', 'An abstract.',
            '[{"name":"Ada Lovelace","keyname":"Lovelace","forenames":"Ada","suffix":"","affiliations":["Analytical Engines"]}]',
            0, 'cs.CL cs.AI', '2024-01-01T00:00:00Z', '2024-01-05T00:00:00Z',
            'https://github.com/ada/engine', 1);
INSERT INTO changes (entity, paper_id, date, deleted) VALUES ('daily_entry', '2401.00001', '2024-01-06', 0);
INSERT INTO daily_entries (date, paper_id, submitted_by, submitted_at, upvotes, num_comments, seq)
    VALUES ('2024-01-06', '2401.00001', 'akhaliq', '2024-01-06T08:00:00Z', 12, 3, 2);
INSERT INTO cursors (key, value) VALUES ('oai:last', '2024-01-05');
