//! Reading entry points: from a path (attached `.nrrd` or detached `.nhdr`) or from
//! bytes in memory.
//!
//! A file's header is read in chunks until its first empty line, so a large attached
//! volume is never read twice: raw samples go from the file straight into the typed
//! vector.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::Nrrd;
use super::decode::{Piece, decode};
use super::detached::data_files;
use super::error::NrrdError;
use super::header::{DataFile, Header};
use super::limits::Limits;
use super::parse::{header_end, parse_header};

/// Reads a volume with the default [`Limits`].
pub fn read(path: &Path) -> Result<Nrrd, NrrdError> {
    read_with_limits(path, &Limits::default())
}

/// Reads a volume; the data is refused if it would need more than `limits` allows.
pub fn read_with_limits(path: &Path, limits: &Limits) -> Result<Nrrd, NrrdError> {
    let mut file = File::open(path).map_err(|e| NrrdError::io("open", path, e))?;
    let (header_bytes, data_offset) = read_header_bytes(&mut file, path, limits)?;
    let header = parse_header(&header_bytes, path)?;
    let samples = match &header.data_file {
        DataFile::Attached => {
            let offset = data_offset.ok_or_else(|| NrrdError::UnterminatedHeader {
                file: path.to_path_buf(),
            })?;
            let end = file_len(&file, path)?;
            file.seek(SeekFrom::Start(offset))
                .map_err(|e| NrrdError::io("seek in", path, e))?;
            let mut reader = Some(BufReader::with_capacity(1 << 16, file));
            decode(&header, path, limits, |_| {
                let reader = reader.take().ok_or_else(|| NrrdError::Header {
                    file: path.to_path_buf(),
                    message: "attached data cannot be split into pieces".to_string(),
                })?;
                Ok(Piece {
                    label: path.to_path_buf(),
                    reader: Box::new(reader),
                    end,
                })
            })?
        }
        _ => decode_detached(&header, path, limits)?,
    };
    Ok(Nrrd { header, samples })
}

/// Reads and parses only the header (the data files need not exist).
pub fn read_header(path: &Path) -> Result<Header, NrrdError> {
    let mut file = File::open(path).map_err(|e| NrrdError::io("open", path, e))?;
    let (header_bytes, _) = read_header_bytes(&mut file, path, &Limits::default())?;
    parse_header(&header_bytes, path)
}

/// Reads a volume from bytes in memory. Detached data files are looked up in
/// `base_dir`; without one, only attached data can be read.
pub fn read_from_bytes(
    bytes: &[u8],
    base_dir: Option<&Path>,
    limits: &Limits,
) -> Result<Nrrd, NrrdError> {
    let label = Path::new("<bytes>");
    let end = header_end(bytes);
    let header_bytes = &bytes[..end.unwrap_or(bytes.len())];
    if header_bytes.len() > limits.max_header_bytes {
        return Err(NrrdError::HeaderTooLong {
            file: label.to_path_buf(),
            limit: limits.max_header_bytes,
        });
    }
    let header = parse_header(header_bytes, label)?;
    let samples = match (&header.data_file, base_dir) {
        (DataFile::Attached, _) => {
            let offset = end.ok_or_else(|| NrrdError::UnterminatedHeader {
                file: label.to_path_buf(),
            })?;
            let mut reader = Some(Cursor::new(&bytes[offset..]));
            decode(&header, label, limits, |_| {
                let reader = reader.take().ok_or_else(|| NrrdError::Header {
                    file: label.to_path_buf(),
                    message: "attached data cannot be split into pieces".to_string(),
                })?;
                Ok(Piece {
                    label: label.to_path_buf(),
                    end: reader.get_ref().len() as u64,
                    reader: Box::new(reader),
                })
            })?
        }
        (_, Some(dir)) => decode_detached(&header, &dir.join("<bytes>"), limits)?,
        (_, None) => {
            return Err(NrrdError::Header {
                file: label.to_path_buf(),
                message: "the data is in a detached `data file`, but no folder was given \
                          to find it in"
                    .to_string(),
            });
        }
    };
    Ok(Nrrd { header, samples })
}

/// Decodes data stored in the files `data file` names, opened one at a time.
fn decode_detached(
    header: &Header,
    header_path: &Path,
    limits: &Limits,
) -> Result<super::Samples, NrrdError> {
    let files: Vec<PathBuf> = data_files(header, header_path);
    decode(header, header_path, limits, |index| {
        let path = files.get(index).ok_or_else(|| NrrdError::Header {
            file: header_path.to_path_buf(),
            message: format!(
                "`data file` names {} files, but the data needs more",
                files.len()
            ),
        })?;
        let file = File::open(path).map_err(|e| NrrdError::io("open", path, e))?;
        let metadata = file
            .metadata()
            .map_err(|e| NrrdError::io("inspect", path, e))?;
        // A header can name any path; a pipe or device would block or never end.
        if !metadata.is_file() {
            return Err(NrrdError::Header {
                file: header_path.to_path_buf(),
                message: format!("data file `{}` is not a regular file", path.display()),
            });
        }
        Ok(Piece {
            label: path.clone(),
            reader: Box::new(BufReader::with_capacity(1 << 16, file)),
            end: metadata.len(),
        })
    })
}

fn file_len(file: &File, path: &Path) -> Result<u64, NrrdError> {
    file.metadata()
        .map(|m| m.len())
        .map_err(|e| NrrdError::io("inspect", path, e))
}

/// Reads from the start of `file` until the header's empty line (or end of file).
/// Returns the header bytes and, when an empty line ended it, the data offset.
fn read_header_bytes(
    file: &mut File,
    path: &Path,
    limits: &Limits,
) -> Result<(Vec<u8>, Option<u64>), NrrdError> {
    const CHUNK: usize = 1 << 16;
    let mut bytes = Vec::new();
    loop {
        let start = bytes.len();
        // Rescan from the start of the last (possibly partial) line, so an empty line
        // split across chunks is found.
        let scan_from = bytes[..start]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |newline| newline + 1);
        bytes.resize(start + CHUNK, 0);
        let read =
            read_some(file, &mut bytes[start..]).map_err(|e| NrrdError::io("read", path, e))?;
        bytes.truncate(start + read);
        if let Some(end) = header_end(&bytes[scan_from..]).map(|end| end + scan_from) {
            bytes.truncate(end);
            return Ok((bytes, Some(end as u64)));
        }
        if bytes.len() > limits.max_header_bytes {
            return Err(NrrdError::HeaderTooLong {
                file: path.to_path_buf(),
                limit: limits.max_header_bytes,
            });
        }
        if read == 0 {
            return Ok((bytes, None));
        }
    }
}

/// Fills `buffer` as far as the file allows (short reads are retried).
fn read_some(file: &mut File, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nrrd::Samples;

    const HEADER: &str = "NRRD0004\ntype: uint8\ndimension: 1\nsizes: 3\nencoding: raw\n";

    fn temp_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write test file");
        path
    }

    #[test]
    fn a_blank_line_on_a_chunk_boundary_still_ends_the_header() {
        let dir = tempfile::tempdir().expect("temp dir");
        // Pad with a key/value so the blank line lands on every offset around 64 KiB.
        for pad in 65_500..65_540 {
            let mut bytes = HEADER.as_bytes().to_vec();
            let filler = pad - bytes.len() - "k:=\n".len();
            bytes.extend_from_slice(format!("k:={}\n", "x".repeat(filler)).as_bytes());
            bytes.extend_from_slice(b"\n\x01\x02\x03");
            let path = temp_file(dir.path(), "pad.nrrd", &bytes);
            let volume = read(&path).unwrap_or_else(|e| panic!("pad {pad}: {e}"));
            assert_eq!(volume.samples, Samples::U8(vec![1, 2, 3]), "pad {pad}");
        }
    }

    #[test]
    fn a_detached_header_may_end_at_end_of_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        temp_file(dir.path(), "d.raw", &[7, 8, 9]);
        let path = temp_file(
            dir.path(),
            "d.nhdr",
            format!("{HEADER}data file: ./d.raw").as_bytes(),
        );
        assert_eq!(
            read(&path).expect("read").samples,
            Samples::U8(vec![7, 8, 9])
        );
        assert_eq!(
            data_files(&read_header(&path).expect("header"), &path),
            vec![dir.path().join("./d.raw")]
        );
    }

    #[test]
    fn attached_data_needs_the_blank_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = temp_file(dir.path(), "a.nrrd", HEADER.as_bytes());
        assert!(matches!(
            read(&path),
            Err(NrrdError::UnterminatedHeader { .. })
        ));
        assert!(read_header(&path).is_ok());
    }

    #[test]
    fn a_header_past_the_limit_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut bytes = HEADER.as_bytes().to_vec();
        bytes.extend_from_slice(format!("k:={}\n\n", "x".repeat(200_000)).as_bytes());
        bytes.extend_from_slice(&[1, 2, 3]);
        let path = temp_file(dir.path(), "long.nrrd", &bytes);
        let limits = Limits {
            max_header_bytes: 100_000,
            ..Limits::default()
        };
        assert!(matches!(
            read_with_limits(&path, &limits),
            Err(NrrdError::HeaderTooLong { limit: 100_000, .. })
        ));
        assert!(read_from_bytes(&bytes, None, &limits).is_err());
        assert_eq!(read(&path).expect("default limits").samples.len(), 3);
    }

    #[test]
    fn a_data_file_that_is_not_a_regular_file_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = temp_file(
            dir.path(),
            "dev.nhdr",
            format!("{HEADER}data file: /dev/zero\n").as_bytes(),
        );
        let message = read(&path).expect_err("device").to_string();
        assert!(
            message.contains("data file `/dev/zero` is not a regular file"),
            "{message}"
        );
    }

    #[test]
    fn missing_data_files_name_the_path_that_was_tried() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = temp_file(
            dir.path(),
            "m.nhdr",
            format!("{HEADER}data file: missing.raw\n").as_bytes(),
        );
        let message = read(&path).expect_err("missing").to_string();
        assert!(
            message.starts_with(&format!(
                "cannot open `{}`",
                dir.path().join("missing.raw").display()
            )),
            "{message}"
        );
    }

    #[test]
    fn bytes_with_detached_data_need_a_folder() {
        let bytes = format!("{HEADER}data file: x.raw\n");
        let message = read_from_bytes(bytes.as_bytes(), None, &Limits::default())
            .expect_err("no folder")
            .to_string();
        assert!(message.contains("no folder was given"), "{message}");
    }

    #[test]
    fn list_with_subdim_reads_one_row_per_file_and_each_file_is_decoded_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, bytes) in [("r0.raw", [1u8, 2]), ("r1.raw", [3, 4]), ("r2.raw", [5, 6])] {
            temp_file(dir.path(), name, &bytes);
        }
        let header = "NRRD0005\ntype: uint8\ndimension: 2\nsizes: 2 3\nencoding: raw\n\
                      line skip: 0\ndata file: LIST 1\nr0.raw\nr1.raw\nr2.raw\n";
        let path = temp_file(dir.path(), "list.nhdr", header.as_bytes());
        assert_eq!(
            read(&path).expect("list").samples,
            Samples::U8(vec![1, 2, 3, 4, 5, 6])
        );
        // Too few files for the pieces the sizes make is a header error.
        let short = header.replace("\nr2.raw\n", "\n");
        let path = temp_file(dir.path(), "short.nhdr", short.as_bytes());
        let message = read_header(&path).expect_err("two files").to_string();
        assert!(
            message.contains("names 2 files, but the data splits into 3 pieces"),
            "{message}"
        );
    }

    #[test]
    fn block_samples_read_as_opaque_records() {
        let bytes = b"NRRD0004\ntype: block\nblock size: 3\ndimension: 1\nsizes: 2\n\
                      encoding: raw\n\nabcdef";
        let volume = read_from_bytes(bytes, None, &Limits::default()).expect("block");
        assert_eq!(
            volume.samples,
            Samples::Block {
                size: 3,
                bytes: b"abcdef".to_vec()
            }
        );
        assert_eq!(volume.header.scalar_type, crate::nrrd::ScalarType::Block(3));
    }
}
