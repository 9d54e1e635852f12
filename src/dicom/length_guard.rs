//! A walk over a file's element headers before dicom-rs parses it, so a hostile length
//! cannot make the parser allocate more than the file holds.
//!
//! Why: dicom-rs 0.10 reserves and zero-fills a value's claimed length before reading it
//! (`try_reserve_exact(len)` then `resize(len, 0)` in `dicom-parser`'s stateful decoder),
//! so a 200-byte file claiming a 4 GiB element makes it commit 4 GiB of memory before the
//! read fails. This walk checks every defined length against the bytes left in its
//! container and bounds the nesting depth (dicom-rs builds nested items recursively), then
//! hands the same bytes to dicom-rs. A deflated dataset is inflated here, up to the file
//! size limit, and walked as inflated.
//!
//! The walk only tokenizes: it does not interpret values, and follows dicom-rs's reading
//! of the encoding (explicit VR with 4-byte lengths for OB/OW/SQ/UN/..., implicit VR
//! sequences recognised from the standard dictionary, undefined-length values read as
//! sequences of items, encapsulated pixel data as raw fragments).

use std::io::Read;

use dicom_core::Tag;
use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom_core::header::VR;
use dicom_dictionary_std::StandardDataDictionary;

/// Nesting of sequences and items deeper than this is refused: real files nest a few
/// levels (enhanced multi-frame: 3), and dicom-rs recurses once per level.
pub const MAX_DEPTH: usize = 64;

const UNDEFINED: u32 = 0xFFFF_FFFF;
const ITEM: Tag = Tag(0xFFFE, 0xE000);
const ITEM_END: Tag = Tag(0xFFFE, 0xE00D);
const SEQUENCE_END: Tag = Tag(0xFFFE, 0xE0DD);
const PIXEL_DATA: Tag = Tag(0x7FE0, 0x0010);
/// Where the file meta group starts: a 128-byte preamble, then `DICM`.
pub const META_START: usize = 132;

/// How a dataset is encoded, from its transfer syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encoding {
    pub explicit: bool,
    pub big_endian: bool,
    pub deflated: bool,
}

impl Encoding {
    pub fn of(transfer_syntax_uid: &str) -> Encoding {
        let uid = transfer_syntax_uid.trim_end_matches(['\0', ' ']);
        Encoding {
            explicit: uid != "1.2.840.10008.1.2",
            big_endian: uid == "1.2.840.10008.1.2.2",
            deflated: uid == "1.2.840.10008.1.2.1.99" || uid == "1.2.840.10008.1.2.8.1",
        }
    }
}

/// What the walk learnt: the transfer syntax and, for a deflated file, the inflated
/// dataset dicom-rs will see.
#[derive(Debug)]
pub struct Checked {
    pub transfer_syntax: String,
}

/// Checks a whole Part 10 file (preamble, `DICM`, meta group, dataset). `max_inflated`
/// bounds a deflated dataset's inflated size. Returns a one-line reason on refusal.
pub fn check_file(bytes: &[u8], max_inflated: u64) -> Result<Checked, String> {
    if bytes.len() < META_START || &bytes[128..132] != b"DICM" {
        return Err("no `DICM` prefix at byte 128 (not a DICOM Part 10 file)".to_string());
    }
    let meta_explicit_le = Encoding {
        explicit: true,
        big_endian: false,
        deflated: false,
    };
    let (meta_end, transfer_syntax) = walk_meta(&bytes[META_START..], meta_explicit_le)?;
    let transfer_syntax =
        transfer_syntax.ok_or("the file meta group has no TransferSyntaxUID (0002,0010)")?;
    let dataset = &bytes[META_START + meta_end..];
    let encoding = Encoding::of(&transfer_syntax);
    // Some writers declare explicit VR and write implicit VR. pydicom detects it; dicom-rs
    // reads the lengths wrongly (and would reserve gigabytes), so it is refused by name.
    if encoding.explicit
        && !encoding.deflated
        && dataset.len() >= 6
        && !(dataset[4].is_ascii_uppercase() && dataset[5].is_ascii_uppercase())
    {
        return Err(format!(
            "the transfer syntax {} says explicit VR, but the dataset is written in implicit VR",
            transfer_syntax.trim_end_matches(['\0', ' '])
        ));
    }
    if encoding.deflated {
        let mut inflated = Vec::new();
        flate2::read::DeflateDecoder::new(dataset)
            .take(max_inflated.saturating_add(1))
            .read_to_end(&mut inflated)
            .map_err(|e| format!("the deflated dataset cannot be inflated: {e}"))?;
        if inflated.len() as u64 > max_inflated {
            return Err(format!(
                "the deflated dataset inflates to more than {max_inflated} bytes"
            ));
        }
        walk(
            &inflated,
            Encoding {
                deflated: false,
                ..encoding
            },
        )?;
    } else {
        walk(dataset, encoding)?;
    }
    Ok(Checked { transfer_syntax })
}

/// Walks the meta group as dicom-object reads it: a group length (0002,0000) first, then
/// elements (of any group) until that many bytes are read; the dataset starts after the
/// last of them. Stopping at the first element of another group instead would walk a
/// different dataset than the one dicom-object parses (fuzzing found a file whose meta
/// group holds a (0003,0013) element: the walk checked the bytes after it, dicom-object
/// inflated and parsed bytes further on and reserved 825 MB). Returns the meta group's
/// length in bytes and the transfer syntax UID.
fn walk_meta(bytes: &[u8], encoding: Encoding) -> Result<(usize, Option<String>), String> {
    let first = read_header(bytes, 0, encoding)?;
    if first.tag != Tag(0x0002, 0x0000) || first.length != 4 {
        return Err(format!(
            "the file meta group does not start with its 4-byte group length (0002,0000) \
             (found {} of {} bytes)",
            first.tag, first.length
        ));
    }
    let group_length = bytes
        .get(first.value_start..first.value_start + 4)
        .map(|quad| u32::from_le_bytes(quad.try_into().expect("4 bytes")))
        .ok_or("the file ends inside the meta group length")?;
    let mut position = first.value_start + 4;
    let mut read: u64 = 0;
    let mut transfer_syntax = None;
    while read < u64::from(group_length) {
        let header = read_header(bytes, position, encoding)?;
        let length = header.length as usize;
        if header.length == UNDEFINED || length > bytes.len() - header.value_start {
            return Err(format!(
                "meta element {} claims {} bytes where {} remain",
                header.tag,
                header.length,
                bytes.len() - header.value_start
            ));
        }
        if header.tag == Tag(0x0002, 0x0010) {
            let value = &bytes[header.value_start..header.value_start + length];
            transfer_syntax = Some(String::from_utf8_lossy(value).into_owned());
        }
        read += (header.value_start - position + length) as u64;
        position = header.value_start + length;
    }
    Ok((position, transfer_syntax))
}

/// A container being walked: where it ends (for defined lengths), what it holds, and the
/// encoding of its contents.
#[derive(Debug, Clone, Copy)]
struct Container {
    end: Option<usize>,
    kind: Kind,
    encoding: Encoding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sequence,
    Item,
    PixelFragments,
}

/// Walks a dataset's element headers; see the module docs.
pub fn walk(bytes: &[u8], encoding: Encoding) -> Result<(), String> {
    let mut stack: Vec<Container> = Vec::new();
    let mut position = 0usize;
    loop {
        // Leave every defined-length container that ends here.
        while let Some(top) = stack.last() {
            match top.end {
                Some(end) if position >= end => {
                    if position > end {
                        return Err(format!(
                            "an element crosses the end of its item at byte {end}"
                        ));
                    }
                    stack.pop();
                }
                _ => break,
            }
        }
        if position >= bytes.len() {
            return Ok(());
        }
        let top = stack.last().copied();
        let current = top.map_or(encoding, |c| c.encoding);
        let header = read_header(bytes, position, current)?;
        let remaining = top
            .and_then(|c| c.end)
            .unwrap_or(bytes.len())
            .saturating_sub(header.value_start);
        let defined = header.length != UNDEFINED;
        if defined && header.length as usize > remaining {
            return Err(format!(
                "element {} at byte {position} claims {} bytes where {remaining} remain",
                header.tag, header.length
            ));
        }
        let length = header.length as usize;
        let end = defined.then(|| header.value_start + length);
        position = header.value_start;
        match header.tag {
            ITEM_END | SEQUENCE_END => {
                let wanted = if header.tag == ITEM_END {
                    Kind::Item
                } else {
                    Kind::Sequence
                };
                match stack.last() {
                    Some(c)
                        if c.end.is_none()
                            && (c.kind == wanted
                                || (wanted == Kind::Sequence
                                    && c.kind == Kind::PixelFragments)) =>
                    {
                        stack.pop();
                    }
                    // A stray delimiter: dicom-rs skips it too.
                    _ => {}
                }
                position += if defined { length } else { 0 };
            }
            ITEM if top.is_some_and(|c| c.kind == Kind::PixelFragments) => {
                if !defined {
                    return Err(format!(
                        "a pixel data fragment at byte {position} has undefined length"
                    ));
                }
                position += length;
            }
            ITEM => {
                push(
                    &mut stack,
                    Container {
                        end,
                        kind: Kind::Item,
                        encoding: current,
                    },
                )?;
            }
            PIXEL_DATA if !defined => {
                push(
                    &mut stack,
                    Container {
                        end: None,
                        kind: Kind::PixelFragments,
                        encoding: current,
                    },
                )?;
            }
            _ if header.is_sequence || !defined => {
                // An undefined-length value that is not a sequence by its VR (UN) is an
                // implicit VR little endian sequence (PS3.5 6.2.2).
                let encoding = if header.is_sequence {
                    current
                } else {
                    Encoding {
                        explicit: false,
                        big_endian: false,
                        deflated: false,
                    }
                };
                push(
                    &mut stack,
                    Container {
                        end,
                        kind: Kind::Sequence,
                        encoding,
                    },
                )?;
            }
            _ => position += length,
        }
    }
}

fn push(stack: &mut Vec<Container>, container: Container) -> Result<(), String> {
    if stack.len() >= MAX_DEPTH {
        return Err(format!("sequences nest deeper than {MAX_DEPTH} levels"));
    }
    stack.push(container);
    Ok(())
}

struct Header {
    tag: Tag,
    length: u32,
    value_start: usize,
    is_sequence: bool,
}

fn read_header(bytes: &[u8], position: usize, encoding: Encoding) -> Result<Header, String> {
    let short = || format!("the file ends inside an element header at byte {position}");
    let u16_at = |at: usize| -> Result<u16, String> {
        let pair: [u8; 2] = bytes
            .get(at..at + 2)
            .ok_or_else(short)?
            .try_into()
            .map_err(|_| short())?;
        Ok(if encoding.big_endian {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        })
    };
    let u32_at = |at: usize| -> Result<u32, String> {
        let quad: [u8; 4] = bytes
            .get(at..at + 4)
            .ok_or_else(short)?
            .try_into()
            .map_err(|_| short())?;
        Ok(if encoding.big_endian {
            u32::from_be_bytes(quad)
        } else {
            u32::from_le_bytes(quad)
        })
    };
    let tag = Tag(u16_at(position)?, u16_at(position + 2)?);
    // Items and delimiters have no VR in any encoding.
    if tag.0 == 0xFFFE {
        return Ok(Header {
            tag,
            length: u32_at(position + 4)?,
            value_start: position + 8,
            is_sequence: false,
        });
    }
    if !encoding.explicit {
        let is_sequence = StandardDataDictionary
            .by_tag(tag)
            .is_some_and(|entry| entry.vr().relaxed() == VR::SQ);
        return Ok(Header {
            tag,
            length: u32_at(position + 4)?,
            value_start: position + 8,
            is_sequence,
        });
    }
    let vr_bytes = bytes.get(position + 4..position + 6).ok_or_else(short)?;
    let vr = [vr_bytes[0], vr_bytes[1]];
    // dicom-rs reads an unknown VR as UN, with a 4-byte length: only these have 2 bytes.
    let long = !matches!(
        &vr,
        b"AE"
            | b"AS"
            | b"AT"
            | b"CS"
            | b"DA"
            | b"DS"
            | b"DT"
            | b"FL"
            | b"FD"
            | b"IS"
            | b"LO"
            | b"LT"
            | b"PN"
            | b"SH"
            | b"SL"
            | b"SS"
            | b"ST"
            | b"TM"
            | b"UI"
            | b"UL"
            | b"US"
    );
    if long {
        Ok(Header {
            tag,
            length: u32_at(position + 8)?,
            value_start: position + 12,
            is_sequence: &vr == b"SQ",
        })
    } else {
        Ok(Header {
            tag,
            length: u32::from(u16_at(position + 6)?),
            value_start: position + 8,
            is_sequence: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explicit_le() -> Encoding {
        Encoding {
            explicit: true,
            big_endian: false,
            deflated: false,
        }
    }

    /// An explicit VR little endian element with a 4-byte length.
    fn long_element(group: u16, element: u16, vr: &[u8; 2], length: u32, value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend(group.to_le_bytes());
        out.extend(element.to_le_bytes());
        out.extend(vr);
        out.extend([0, 0]);
        out.extend(length.to_le_bytes());
        out.extend(value);
        out
    }

    #[test]
    fn lengths_past_the_end_of_their_container_are_refused() {
        let fits = long_element(0x0009, 0x0010, b"OB", 4, &[1, 2, 3, 4]);
        assert_eq!(walk(&fits, explicit_le()), Ok(()));
        let huge = long_element(0x0009, 0x0010, b"OB", 0xFFFF_FFF0, &[1, 2, 3, 4]);
        let error = walk(&huge, explicit_le()).expect_err("4 GiB claimed in 16 bytes");
        assert!(
            error.contains("claims 4294967280 bytes where 4 remain"),
            "{error}"
        );
        // Inside a defined-length sequence, the bound is the item, not the file.
        let mut inner = Vec::new();
        inner.extend([0xFE, 0xFF, 0x00, 0xE0]);
        inner.extend(12u32.to_le_bytes());
        inner.extend(long_element(0x0009, 0x0010, b"OB", 100, &[0; 0]));
        let mut sequence = long_element(0x0009, 0x0011, b"SQ", inner.len() as u32, &inner);
        sequence.extend([0u8; 200]);
        let error = walk(&sequence, explicit_le()).expect_err("past the item");
        assert!(error.contains("claims 100 bytes where 0 remain"), "{error}");
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused() {
        let mut bytes = Vec::new();
        for _ in 0..=MAX_DEPTH {
            bytes.extend(long_element(0x0009, 0x0011, b"SQ", UNDEFINED, &[]));
            bytes.extend([0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
        }
        let error = walk(&bytes, explicit_le()).expect_err("too deep");
        assert!(error.contains("deeper than 64"), "{error}");
    }

    #[test]
    fn encapsulated_fragments_are_skipped_not_parsed() {
        let mut bytes = long_element(0x7FE0, 0x0010, b"OB", UNDEFINED, &[]);
        for fragment in [&[][..], &[0xFF, 0xD8, 0xFF, 0xD9][..]] {
            bytes.extend([0xFE, 0xFF, 0x00, 0xE0]);
            bytes.extend((fragment.len() as u32).to_le_bytes());
            bytes.extend(fragment);
        }
        bytes.extend([0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        assert_eq!(walk(&bytes, explicit_le()), Ok(()));
        let mut truncated = bytes.clone();
        truncated.truncate(bytes.len() - 10);
        assert!(walk(&truncated, explicit_le()).is_err());
    }

    /// A Part 10 file: preamble, `DICM`, a meta group of `meta` elements with its group
    /// length, then `dataset`.
    fn part10(meta: &[Vec<u8>], dataset: &[u8]) -> Vec<u8> {
        let body: Vec<u8> = meta.concat();
        let mut out = vec![0u8; 128];
        out.extend(b"DICM");
        out.extend([0x02, 0x00, 0x00, 0x00, b'U', b'L', 4, 0]);
        out.extend((body.len() as u32).to_le_bytes());
        out.extend(body);
        out.extend(dataset);
        out
    }

    fn short_element(group: u16, element: u16, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend(group.to_le_bytes());
        out.extend(element.to_le_bytes());
        out.extend(vr);
        out.extend((value.len() as u16).to_le_bytes());
        out.extend(value);
        out
    }

    #[test]
    fn the_meta_group_ends_where_its_group_length_says_as_dicom_object_reads_it() {
        let syntax = short_element(0x0002, 0x0010, b"UI", b"1.2.840.10008.1.2.1\0");
        // An off-group element inside the meta group's length: dicom-object reads it as
        // meta, so the dataset starts after it and that is what must be walked.
        let off_group = short_element(0x0003, 0x0013, b"SH", b"DCTOOL100 ");
        let huge = long_element(0x0009, 0x0010, b"OB", 0x3000_0000, &[1, 2, 3, 4]);
        let bytes = part10(&[syntax.clone(), off_group], &huge);
        let error = check_file(&bytes, 1 << 20).expect_err("the dataset claims 805 MB");
        assert!(
            error.contains("claims 805306368 bytes where 4 remain"),
            "{error}"
        );
        let fine = part10(
            &[syntax],
            &long_element(0x0009, 0x0010, b"OB", 4, &[1, 2, 3, 4]),
        );
        assert_eq!(
            check_file(&fine, 1 << 20).map(|c| c.transfer_syntax),
            Ok("1.2.840.10008.1.2.1\0".to_string())
        );
        let mut no_group_length = part10(&[], &[]);
        no_group_length.truncate(132);
        no_group_length.extend(short_element(
            0x0002,
            0x0010,
            b"UI",
            b"1.2.840.10008.1.2.1\0",
        ));
        let error = check_file(&no_group_length, 1 << 20).expect_err("no group length");
        assert!(error.contains("group length (0002,0000)"), "{error}");
    }

    /// The input fuzzing found (`fuzz/findings/`): 3,225 bytes that made dicom-object
    /// reserve 825 MB before this walk followed its reading of the meta group.
    #[test]
    fn the_fuzz_finding_is_refused_before_dicom_object_sees_it() {
        let bytes = include_bytes!("../../fuzz/findings/dicom_read_from_bytes-oom-825MB");
        let error = check_file(bytes, 64 << 20).expect_err("refused");
        assert!(
            error.contains("claims") || error.contains("inflate"),
            "{error}"
        );
    }

    #[test]
    fn files_without_the_dicm_prefix_are_refused() {
        let error = check_file(&[0u8; 200], 1 << 20).expect_err("no DICM");
        assert!(error.contains("DICM"), "{error}");
    }
}
