-- A library's version: a value never used before, written by every change the projection applies to the library
-- (ChangeFeed.notify, in the applying transaction). A replica serves a library inventory it cached only while the
-- library's version is still the one it was built at, so it is fresh even before the NOTIFY has reached it.
-- No foreign key: reservation events may name a library before its first status.
CREATE SEQUENCE library_version_seq;
CREATE TABLE library_version (
    library_id varchar PRIMARY KEY,
    version    bigint NOT NULL
);
-- the libraries already projected start with a version of their own
INSERT INTO library_version (library_id, version) SELECT id, nextval('library_version_seq') FROM library;
