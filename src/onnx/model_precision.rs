//! Which arithmetic a model's graph runs: float32, float16, or int8 (quantized), read from
//! the ONNX file itself, so a report can say which model made its features.
//!
//! `ort` exposes a session's inputs and outputs, not its nodes, so the graph's operator types
//! and initializer types are read here from the protobuf (`onnx.proto`: `ModelProto.graph` = 7;
//! `GraphProto.node` = 1, `GraphProto.initializer` = 5; `NodeProto.op_type` = 4;
//! `TensorProto.data_type` = 2). The walk only follows those fields and skips every other one
//! by its length, so a 100 MB model costs a pass over its field headers; it never allocates
//! by a length the file claims.
//!
//! The rule: any quantization operator (QDQ `QuantizeLinear`/`DequantizeLinear`, or an
//! integer operator: `QLinear*`, `ConvInteger`, `MatMulInteger`) makes the model int8, as ONNX
//! Runtime's static and dynamic quantization write it; else float16 initializers make it
//! fp16; else fp32.

use std::fmt;

/// The model's arithmetic, as a report names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    Fp32,
    Fp16,
    /// Quantized: `operators` quantization operators in the graph.
    Int8 {
        operators: usize,
    },
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Precision::Fp32 => f.write_str("fp32"),
            Precision::Fp16 => f.write_str("fp16"),
            Precision::Int8 { operators } => {
                write!(f, "int8 ({operators} quantization operators)")
            }
        }
    }
}

/// Quantization operators besides the `QLinear*` family (ONNX's and ONNX Runtime's
/// contrib operators: `QLinearConv`, `QLinearMatMul`, `QLinearAdd`, ...).
const QUANTIZATION_OPERATORS: &[&[u8]] = &[
    b"QuantizeLinear",
    b"DequantizeLinear",
    b"DynamicQuantizeLinear",
    b"ConvInteger",
    b"MatMulInteger",
];

fn is_quantization(op_type: &[u8]) -> bool {
    op_type.starts_with(b"QLinear") || QUANTIZATION_OPERATORS.contains(&op_type)
}

/// `TensorProto.DataType.FLOAT16`.
const FLOAT16: u64 = 10;

/// The precision of the ONNX model in `bytes`, or why its protobuf cannot be walked.
pub fn precision(bytes: &[u8]) -> Result<Precision, String> {
    let mut quantized = 0;
    let mut float16 = false;
    for field in Fields::new(bytes) {
        let field = field?;
        if let (7, Value::Bytes(graph)) = (field.number, field.value) {
            for field in Fields::new(graph) {
                match field? {
                    Field {
                        number: 1,
                        value: Value::Bytes(node),
                    } => {
                        let op_type = Fields::new(node).find_map(|f| match f {
                            Ok(Field {
                                number: 4,
                                value: Value::Bytes(name),
                            }) => Some(name),
                            _ => None,
                        });
                        if op_type.is_some_and(is_quantization) {
                            quantized += 1;
                        }
                    }
                    Field {
                        number: 5,
                        value: Value::Bytes(tensor),
                    } => {
                        float16 |= Fields::new(tensor).any(|f| {
                            matches!(f, Ok(Field { number: 2, value: Value::Varint(t) }) if t == FLOAT16)
                        });
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(if quantized > 0 {
        Precision::Int8 {
            operators: quantized,
        }
    } else if float16 {
        Precision::Fp16
    } else {
        Precision::Fp32
    })
}

struct Field<'a> {
    number: u64,
    value: Value<'a>,
}

enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

/// The top-level fields of one protobuf message.
struct Fields<'a> {
    bytes: &'a [u8],
    at: usize,
    failed: bool,
}

impl<'a> Fields<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            at: 0,
            failed: false,
        }
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self
                .bytes
                .get(self.at)
                .ok_or_else(|| format!("the file ends inside a number at byte {}", self.at))?;
            self.at += 1;
            value |= u64::from(byte & 0x7F) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(format!("a number longer than 10 bytes at byte {}", self.at))
    }

    fn take(&mut self, length: u64) -> Result<&'a [u8], String> {
        let left = self.bytes.len() - self.at;
        if length > left as u64 {
            return Err(format!(
                "a field claims {length} bytes at byte {} where {left} remain",
                self.at
            ));
        }
        let slice = &self.bytes[self.at..self.at + length as usize];
        self.at += length as usize;
        Ok(slice)
    }

    fn field(&mut self) -> Result<Field<'a>, String> {
        let key = self.varint()?;
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Value::Fixed
            }
            2 => {
                let length = self.varint()?;
                Value::Bytes(self.take(length)?)
            }
            5 => {
                self.take(4)?;
                Value::Fixed
            }
            wire => {
                return Err(format!(
                    "wire type {wire} at byte {} is not protobuf 3",
                    self.at
                ));
            }
        };
        Ok(Field {
            number: key >> 3,
            value,
        })
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<Field<'a>, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.at >= self.bytes.len() {
            return None;
        }
        let field = self.field();
        self.failed = field.is_err();
        Some(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut value: u64, out: &mut Vec<u8>) {
        loop {
            let byte = (value & 0x7F) as u8;
            value >>= 7;
            if value == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    fn bytes_field(number: u64, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        varint(number << 3 | 2, &mut out);
        varint(payload.len() as u64, &mut out);
        out.extend(payload);
        out
    }

    fn model(ops: &[&str], initializer_type: u64) -> Vec<u8> {
        let mut graph = Vec::new();
        for op in ops {
            graph.extend(bytes_field(1, &bytes_field(4, op.as_bytes())));
        }
        let mut tensor = Vec::new();
        varint(2 << 3, &mut tensor);
        varint(initializer_type, &mut tensor);
        tensor.extend(bytes_field(9, &[0u8; 64]));
        graph.extend(bytes_field(5, &tensor));
        let mut out = Vec::new();
        varint(1 << 3, &mut out);
        varint(8, &mut out); // ir_version
        out.extend(bytes_field(7, &graph));
        out
    }

    #[test]
    fn the_graph_says_which_arithmetic_it_runs() {
        assert_eq!(precision(&model(&["Conv", "Relu"], 1)), Ok(Precision::Fp32));
        assert_eq!(precision(&model(&["Conv"], FLOAT16)), Ok(Precision::Fp16));
        assert_eq!(
            precision(&model(&["QuantizeLinear", "DequantizeLinear", "Conv"], 1)),
            Ok(Precision::Int8 { operators: 2 })
        );
        assert_eq!(
            Precision::Int8 { operators: 2 }.to_string(),
            "int8 (2 quantization operators)"
        );
    }

    #[test]
    fn a_damaged_file_is_an_error_not_a_guess() {
        let whole = model(&["Conv"], 1);
        let error = precision(&whole[..whole.len() - 10]).unwrap_err();
        assert!(error.contains("claims"), "{error}");
        let mut huge = Vec::new();
        huge.extend(bytes_field(7, &[]));
        huge.truncate(1);
        varint(u64::MAX >> 8, &mut huge);
        assert!(precision(&huge).is_err());
    }
}
