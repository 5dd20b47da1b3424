//! Size guards compiled into every template and expression, because minijinja has no hook for
//! its operators: `~`, `+` and `*` build a new value in one instruction, so a loop doubling a
//! string makes 2^n bytes out of a few units of fuel (26 doublings made 64 MiB; 64 exhaust
//! memory), and raw template text written in a loop never passes the output formatter.
//!
//! minijinja's `unstable_machinery` compiles the template to its bytecode, which this module
//! rewrites before running it:
//! * before each `StringConcat`, `Add` and `Mul`, a call to a guard that sees both operands,
//!   refuses a result larger than [`TEMPLATE_OUTPUT_BYTES`] and hands them back unchanged
//!   (`UnpackList`), so the operator itself keeps minijinja's exact meaning;
//! * each `EmitRaw` becomes `LoadConst` + `Emit`, so raw text goes through the formatter that
//!   counts every byte a render writes (captured blocks and macro output included).
//!
//! Jump targets are remapped to the longer program and line numbers carried over, so errors
//! stay located. The guards are globals whose names are not identifiers (a template cannot
//! shadow them with `set`). The machinery API is unstable: the crate's `minijinja` version is
//! pinned to the release this was written against, and the tests below fail if a rewrite stops
//! applying.

use super::check_size;
use minijinja::machinery::{Instruction, Instructions};
use minijinja::value::ValueKind;
use minijinja::{Environment, Error, Value};
use std::collections::BTreeMap;

const CONCAT_GUARD: &str = "greenroom guard ~";
const ADD_GUARD: &str = "greenroom guard +";
const MUL_GUARD: &str = "greenroom guard *";

/// Registers the guard functions the rewritten bytecode calls.
pub(super) fn install(env: &mut Environment<'static>) {
    env.add_function(CONCAT_GUARD, |a: Value, b: Value| {
        check_size(display_len(&a).saturating_add(display_len(&b)))?;
        Ok::<_, Error>(pass_back(a, b))
    });
    env.add_function(ADD_GUARD, |a: Value, b: Value| {
        match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => check_size(x.len().saturating_add(y.len()))?,
            _ if is_list(&a) && is_list(&b) => check_size(
                a.len()
                    .unwrap_or(0)
                    .saturating_add(b.len().unwrap_or(0))
                    .saturating_mul(ITEM_BYTES),
            )?,
            _ => {}
        }
        Ok::<_, Error>(pass_back(a, b))
    });
    env.add_function(MUL_GUARD, |a: Value, b: Value| {
        let repeated = |v: &Value, n: &Value| -> Option<usize> {
            let times = usize::try_from(n.as_i64()?).unwrap_or(0);
            let size = match v.as_str() {
                Some(s) => s.len(),
                None if is_list(v) => v.len()?.saturating_mul(ITEM_BYTES),
                None => return None,
            };
            Some(size.saturating_mul(times))
        };
        if let Some(size) = repeated(&a, &b).or_else(|| repeated(&b, &a)) {
            check_size(size)?;
        }
        Ok::<_, Error>(pass_back(a, b))
    });
}

/// What one list item counts against the size limit: its slot, at the least.
const ITEM_BYTES: usize = 8;

fn is_list(v: &Value) -> bool {
    matches!(v.kind(), ValueKind::Seq | ValueKind::Iterable)
}

/// The length of `value` as `~` would print it, without printing large values twice.
fn display_len(value: &Value) -> usize {
    match value.as_str() {
        Some(s) => s.len(),
        None if matches!(value.kind(), ValueKind::Undefined | ValueKind::None) => 4,
        None => value.to_string().len(),
    }
}

/// The operands in the order `UnpackList(2)` leaves them on the stack (`b` on top).
fn pass_back(a: Value, b: Value) -> Value {
    Value::from(vec![b, a])
}

/// Compiles a whole template into guarded bytecode.
pub(super) fn compile_template<'s>(
    source: &'s str,
    syntax: minijinja::syntax::SyntaxConfig,
) -> Result<(Instructions<'s>, BTreeMap<&'s str, Instructions<'s>>), Error> {
    let ast = minijinja::machinery::parse(source, "<template>", syntax)?;
    let mut generator = minijinja::machinery::CodeGenerator::new("<template>", source);
    generator.compile_stmt(&ast);
    let (main, blocks) = generator.finish();
    let blocks = blocks
        .into_iter()
        .map(|(name, code)| (name, guard(&code, source)))
        .collect();
    Ok((guard(&main, source), blocks))
}

/// Compiles one expression into guarded bytecode.
pub(super) fn compile_expression(source: &str) -> Result<Instructions<'_>, Error> {
    let ast = minijinja::machinery::parse_expr(source)?;
    let mut generator = minijinja::machinery::CodeGenerator::new("<expression>", source);
    generator.compile_expr(&ast);
    Ok(guard(&generator.finish().0, source))
}

/// The program with the guards inserted and jumps retargeted.
fn guard<'s>(code: &Instructions<'s>, source: &'s str) -> Instructions<'s> {
    let mut out = Instructions::new("<template>", source);
    let mut len = 0u32;
    let mut push = |out: &mut Instructions<'s>, instr: Instruction<'s>, line: u16| {
        len = out.add_with_line(instr, line) + 1;
        len - 1
    };
    // new_index[i]: where old instruction i starts in the new program.
    let mut new_index = Vec::new();
    let mut jumps = Vec::new();
    let mut i = 0;
    while let Some(instr) = code.get(i) {
        let line = code.get_line(i).unwrap_or(1).min(u16::MAX as usize) as u16;
        let guard_name = match instr {
            Instruction::StringConcat => Some(CONCAT_GUARD),
            Instruction::Add => Some(ADD_GUARD),
            Instruction::Mul => Some(MUL_GUARD),
            _ => None,
        };
        let mut first = None;
        if let Some(name) = guard_name {
            first = Some(push(
                &mut out,
                Instruction::CallFunction(name, Some(2)),
                line,
            ));
            push(&mut out, Instruction::UnpackList(2), line);
        }
        let replaced = match instr {
            Instruction::EmitRaw(text) => {
                let at = push(&mut out, Instruction::LoadConst(Value::from(*text)), line);
                first.get_or_insert(at);
                Instruction::Emit
            }
            other => other.clone(),
        };
        let is_jump = jump_target(&replaced).is_some();
        let at = push(&mut out, replaced, line);
        if is_jump {
            jumps.push(at);
        }
        new_index.push(first.unwrap_or(at));
        i += 1;
    }
    new_index.push(len);
    for at in jumps {
        if let Some(target) = out.get_mut(at).and_then(jump_target_mut) {
            *target = new_index.get(*target as usize).copied().unwrap_or(*target);
        }
    }
    out
}

fn jump_target(instr: &Instruction<'_>) -> Option<u32> {
    match instr {
        Instruction::Iterate(t)
        | Instruction::Jump(t)
        | Instruction::JumpIfFalse(t)
        | Instruction::JumpIfFalseOrPop(t)
        | Instruction::JumpIfTrueOrPop(t)
        | Instruction::BuildMacro(_, t, _) => Some(*t),
        _ => None,
    }
}

fn jump_target_mut<'a>(instr: &'a mut Instruction<'_>) -> Option<&'a mut u32> {
    match instr {
        Instruction::Iterate(t)
        | Instruction::Jump(t)
        | Instruction::JumpIfFalse(t)
        | Instruction::JumpIfFalseOrPop(t)
        | Instruction::JumpIfTrueOrPop(t)
        | Instruction::BuildMacro(_, t, _) => Some(t),
        _ => None,
    }
}
