//! `einsum`: Einstein summation planned into blocked operations. Indices
//! that only one operand uses are summed away first; the operands are then
//! contracted pairwise, left to right, by the contraction node (which pairs
//! batch axes as well as contracted ones), and a final transpose puts the
//! axes in the output's order. Nothing is ever gathered into one block.

use crate::array::impl_reduce::DEFAULT_SPLIT_EVERY;
use crate::array::{DArray, ReduceOpts};
use crate::dtype::Float;
use crate::error::Error;
use crate::expr::{contract, Node};
use crate::kernels::product::{ContractSpec, Gemm};
use ndarray::LinalgScalar;
use std::sync::Arc;

/// Einstein summation over `operands` (NumPy's `einsum`), as a blocked
/// computation.
///
/// `subscripts` names each operand's axes with one letter per axis
/// (`a`-`z`, `A`-`Z`), operands separated by commas; spaces are ignored.
/// In explicit mode (`"ij,jk->ik"`) the letters after `->` are the
/// output's axes, in that order; in implicit mode (`"ij,jk"`) the output
/// has the letters that appear exactly once, in alphabetical (ASCII, so
/// upper case first) order. A letter on several operands multiplies them
/// along it; a letter absent from the output is summed over. As in NumPy,
/// an axis of length 1 broadcasts against a longer axis of the same
/// letter.
///
/// The plan: letters only one operand uses (and the output does not) are
/// summed first; the operands are then contracted pairwise, left to right,
/// a letter shared by both sides being a batch axis when the output or a
/// later operand still needs it and contracted otherwise; a transpose
/// gives the output's order.
///
/// Not supported: a letter repeated within one operand (diagonals such as
/// `"ii->i"` or the trace `"ii"`) and the ellipsis `...`; both give
/// [`Error::Invalid`]. Bad syntax, a letter in the output twice or in no
/// operand, and a number of subscript terms other than the number of
/// operands are [`Error::Invalid`] too; a term whose letter count is not
/// its operand's number of axes, or one letter with two different lengths
/// (neither 1), is [`Error::Shape`]. As every operation, `einsum` does not
/// fail at the call: the error is carried by the result and reported by
/// `compute`. An operand's own error comes first.
///
/// ```
/// use darray::{linalg::einsum, DArray};
/// let a = ndarray::Array::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64);
/// let b = ndarray::Array::from_shape_fn((4, 2), |(j, k)| (j + k) as f64);
/// let x = DArray::from_array(a.clone(), [2, 3])?;
/// let y = DArray::from_array(b.clone(), [1, 2])?;
/// // A matrix product, in explicit and implicit mode.
/// let c = einsum("ij,jk->ik", &[&x, &y]);
/// assert_eq!(c.compute()?, a.dot(&b).into_dyn());
/// assert_eq!(einsum("ij,jk", &[&x, &y]).compute()?, a.dot(&b).into_dyn());
/// // A transpose, a sum over all elements, an outer product.
/// assert_eq!(einsum("ij->ji", &[&x]).compute()?, a.t().to_owned().into_dyn());
/// assert_eq!(einsum("ij->", &[&x]).compute()?[[]], a.sum());
/// let v = DArray::from_array(ndarray::arr1(&[1.0, 2.0]), 1)?;
/// assert_eq!(einsum("ij,k->ijk", &[&x, &v]).shape(), &[3, 4, 2]);
/// // Diagonals are not supported.
/// assert!(matches!(einsum("ii->i", &[&x]).compute(), Err(darray::Error::Invalid(_))));
/// # Ok::<(), darray::Error>(())
/// ```
pub fn einsum<T: Float + LinalgScalar>(subscripts: &str, operands: &[&DArray<T>]) -> DArray<T> {
    if let Some(bad) = operands.iter().find(|a| !a.is_valid()) {
        return (*bad).clone();
    }
    let fail = |e: Error| match operands.first() {
        Some(a) => a.failed_with(e),
        None => DArray::from_node(Node::invalid_without_input(e, T::DTYPE)),
    };
    let (terms, output) = match parse(subscripts, operands.len()) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let sizes = match label_sizes(&terms, operands) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    // An axis of length 1 whose letter is longer elsewhere broadcasts:
    // it is dropped, its single value multiplying the whole of the other.
    let mut ops: Vec<(DArray<T>, Vec<char>)> = Vec::with_capacity(operands.len());
    for (a, term) in operands.iter().zip(&terms) {
        let drop: Vec<usize> =
            (0..term.len()).filter(|&d| a.shape()[d] == 1 && size_of(&sizes, term[d]) != 1).collect();
        let kept: Vec<char> = (0..term.len()).filter(|d| !drop.contains(d)).map(|d| term[d]).collect();
        let a = if drop.is_empty() { (*a).clone() } else { a.squeeze_axes(&drop) };
        ops.push((a, kept));
    }
    // Letters one operand alone uses, and the output does not, are summed
    // away before any product.
    for k in 0..ops.len() {
        let lonely: Vec<usize> = (0..ops[k].1.len())
            .filter(|&d| {
                let c = ops[k].1[d];
                !output.contains(&c) && !ops.iter().enumerate().any(|(j, (_, t))| j != k && t.contains(&c))
            })
            .collect();
        if !lonely.is_empty() {
            let (a, t) = &ops[k];
            let summed = a.sum_with(&ReduceOpts::axes(&lonely));
            let rest: Vec<char> = (0..t.len()).filter(|d| !lonely.contains(d)).map(|d| t[d]).collect();
            ops[k] = (summed, rest);
        }
    }
    let mut ops = ops.into_iter();
    let (mut acc, mut labels) = ops.next().expect("at least one operand");
    let rest: Vec<(DArray<T>, Vec<char>)> = ops.collect();
    for (k, (b, lb)) in rest.iter().enumerate() {
        let needed = |c: char| output.contains(&c) || rest[k + 1..].iter().any(|(_, t)| t.contains(&c));
        let mut spec = ContractSpec { batch: vec![], contract: vec![], free_a: vec![], free_b: vec![] };
        let mut out_labels = vec![];
        for (x, &c) in labels.iter().enumerate() {
            match lb.iter().position(|&d| d == c) {
                Some(y) if needed(c) => {
                    spec.batch.push((x, y));
                    out_labels.push(c);
                }
                Some(y) => spec.contract.push((x, y)),
                None => spec.free_a.push(x),
            }
        }
        out_labels.extend(spec.free_a.iter().map(|&x| labels[x]));
        spec.free_b = (0..lb.len()).filter(|&y| !labels.contains(&lb[y])).collect();
        out_labels.extend(spec.free_b.iter().map(|&y| lb[y]));
        acc = DArray::from_node(contract(
            acc.node.clone(),
            b.node.clone(),
            spec,
            Arc::new(Gemm::<T>::new()),
            DEFAULT_SPLIT_EVERY,
        ));
        labels = out_labels;
        // Every letter left is needed (the lonely ones were summed first);
        // sum any that is not, should the plan above ever leave one.
        let spare: Vec<usize> = (0..labels.len()).filter(|&d| !needed(labels[d])).collect();
        if !spare.is_empty() {
            acc = acc.sum_with(&ReduceOpts::axes(&spare));
            labels = labels.iter().copied().filter(|&c| needed(c)).collect();
        }
    }
    if labels.len() != output.len() {
        return fail(Error::Internal(format!("einsum planned axes {labels:?} for the output {output:?}")));
    }
    let perm: Vec<usize> =
        output.iter().map(|c| labels.iter().position(|d| d == c).expect("every output letter is kept")).collect();
    if perm.iter().enumerate().all(|(i, &p)| i == p) {
        acc
    } else {
        acc.permuted_axes(&perm)
    }
}

/// The operands' letters and the output's, checked for syntax.
fn parse(subscripts: &str, nops: usize) -> Result<(Vec<Vec<char>>, Vec<char>), Error> {
    let s: String = subscripts.chars().filter(|c| !c.is_whitespace()).collect();
    if s.contains('.') {
        return Err(Error::Invalid(format!(
            "einsum subscripts {subscripts:?}: the ellipsis `...` (and `.`) is not supported"
        )));
    }
    if nops == 0 {
        return Err(Error::Invalid("einsum needs at least one operand".into()));
    }
    let (lhs, rhs) = match s.split_once("->") {
        Some((l, r)) => (l, Some(r)),
        None => (s.as_str(), None),
    };
    let bad_char = |part: &str| part.chars().find(|&c| !c.is_ascii_alphabetic() && c != ',');
    if let Some(c) = bad_char(lhs).or_else(|| rhs.and_then(|r| bad_char(r).or(r.chars().find(|&c| c == ',')))) {
        return Err(Error::Invalid(format!(
            "einsum subscripts {subscripts:?}: {c:?} is not a subscript letter (a-z, A-Z), a comma or `->`"
        )));
    }
    let terms: Vec<Vec<char>> = lhs.split(',').map(|t| t.chars().collect()).collect();
    if terms.len() != nops {
        return Err(Error::Invalid(format!(
            "einsum subscripts {subscripts:?} name {} operands but {nops} were given",
            terms.len()
        )));
    }
    for (k, t) in terms.iter().enumerate() {
        if let Some(c) = repeated(t) {
            return Err(Error::Invalid(format!(
                "einsum subscripts {subscripts:?}: {c:?} is repeated in operand {k}; repeated subscripts in one \
                 operand are not supported (diagonals, traces)"
            )));
        }
    }
    let output: Vec<char> = match rhs {
        Some(r) => {
            let out: Vec<char> = r.chars().collect();
            if let Some(c) = repeated(&out) {
                return Err(Error::Invalid(format!(
                    "einsum subscripts {subscripts:?}: output subscript {c:?} appears more than once"
                )));
            }
            if let Some(c) = out.iter().find(|c| !terms.iter().any(|t| t.contains(c))) {
                return Err(Error::Invalid(format!(
                    "einsum subscripts {subscripts:?}: output subscript {c:?} is in no operand"
                )));
            }
            out
        }
        None => {
            let mut once: Vec<char> = terms
                .iter()
                .flatten()
                .copied()
                .filter(|c| terms.iter().flatten().filter(|d| *d == c).count() == 1)
                .collect();
            once.sort_unstable();
            once
        }
    };
    Ok((terms, output))
}

/// A letter that appears twice in `t`.
fn repeated(t: &[char]) -> Option<char> {
    (1..t.len()).find(|&i| t[..i].contains(&t[i])).map(|i| t[i])
}

/// Each letter's length: the one length (other than 1) its axes have, else 1.
fn label_sizes<T: Float>(terms: &[Vec<char>], operands: &[&DArray<T>]) -> Result<Vec<(char, usize)>, Error> {
    let mut sizes: Vec<(char, usize)> = vec![];
    for (k, (t, a)) in terms.iter().zip(operands).enumerate() {
        if t.len() != a.ndim() {
            return Err(Error::Shape(format!(
                "einsum operand {k} has {} axes (shape {:?}) but its subscripts {:?} name {}",
                a.ndim(),
                a.shape(),
                t.iter().collect::<String>(),
                t.len()
            )));
        }
        for (&c, &n) in t.iter().zip(a.shape()) {
            match sizes.iter_mut().find(|(d, _)| *d == c) {
                None => sizes.push((c, n)),
                Some((_, m)) if *m == n || n == 1 => {}
                Some((_, m)) if *m == 1 => *m = n,
                Some((_, m)) => {
                    return Err(Error::Shape(format!(
                        "einsum subscript {c:?} has length {m} on an earlier operand but {n} on operand {k}"
                    )))
                }
            }
        }
    }
    Ok(sizes)
}

fn size_of(sizes: &[(char, usize)], c: char) -> usize {
    sizes.iter().find(|(d, _)| *d == c).map_or(1, |&(_, n)| n)
}
