//! Delayed: ordinary Rust functions whose calls build a task graph instead
//! of running, then run on the same scheduler as arrays (the seed idea of
//! dask.delayed). Not every problem is an array.
//!
//! ```
//! use darray::{delayed, delayed::Delayed};
//! fn inc(x: &i64) -> i64 { x + 1 }
//! fn add(a: &i64, b: &i64) -> i64 { a + b }
//! let x = Delayed::value(1i64);
//! let y = delayed!(inc(&x));
//! let z = delayed!(add(&y, &delayed!(inc(&x)))); // inc(x) twice: one task
//! assert_eq!(z.compute()?, 4);
//! assert_eq!(z.graph()?.len(), 3); // value, inc (once), add
//! # Ok::<(), darray::Error>(())
//! ```
//!
//! Functions take their arguments by reference (results are shared between
//! the calls that read them). A function may return `Result<R, E>` through
//! the `try_` forms; its error, or a panic, is reported naming the task.

use crate::error::{Error, Result};
use crate::exec::ExecStats;
use crate::expr::build::closure_token;
use crate::graph::{Payload, TaskGraph};
use crate::key::TokenHasher;
use crate::run::{Block, Config, Roots};
use std::borrow::Borrow;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use crate::expr::DNode;
use crate::ops::CallFn;

pub mod futures;
pub use crate::ops::Value;

/// A lazy value of type `T`: the result of a delayed call.
pub struct Delayed<T> {
    pub(crate) node: Arc<DNode>,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for Delayed<T> {
    fn clone(&self) -> Self {
        Delayed { node: self.node.clone(), _t: PhantomData }
    }
}

impl<T> std::fmt::Debug for Delayed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Delayed({}-{:08x})", self.node.name, self.node.token >> 32)
    }
}

fn typed<T: 'static>(v: &Value) -> &T {
    v.downcast_ref::<T>().expect("delayed values have the types their calls declare")
}

/// Token of a function: zero-sized functions (fn items, closures capturing
/// nothing) are named by their type, so identical calls share one task;
/// others get a fresh number, since their captures cannot be compared.
fn fn_token<F: 'static>(name: &str) -> u64 {
    let mut h = TokenHasher::new(name);
    if std::mem::size_of::<F>() == 0 {
        h.str(std::any::type_name::<F>());
    } else {
        h.u64(closure_token());
    }
    h.finish()
}

impl<T> Delayed<T> {
    /// The delayed value of a node.
    pub(crate) fn from_node(node: Arc<DNode>) -> Self {
        Delayed { node, _t: PhantomData }
    }
}

impl<T: Send + Sync + 'static> Delayed<T> {
    pub(crate) fn from_parts(name: &str, token: u64, deps: Vec<Arc<DNode>>, f: Arc<CallFn>) -> Self {
        let mut h = TokenHasher::new("delayed");
        h.u64(token);
        for d in &deps {
            h.u64(d.token);
        }
        let node = Arc::new(DNode { token: h.finish(), name: Arc::from(name), deps, f, block: None, item: None });
        Delayed { node, _t: PhantomData }
    }

    /// A value known now, wrapped so delayed calls can take it.
    pub fn value(v: T) -> Self {
        let v: Value = Arc::new(v);
        Self::from_parts("value", closure_token(), vec![], Arc::new(move |_| Ok(v.clone())))
    }

    /// The graph that computes this value.
    pub fn graph(&self) -> Result<TaskGraph> {
        let cfg = Config::default();
        crate::run::graph(Roots::Delayed(std::slice::from_ref(&self.node)), &cfg, None)
    }

    /// The graph in Graphviz DOT.
    pub fn to_dot(&self) -> Result<String> {
        Ok(self.graph()?.to_dot())
    }

    /// Computes the value.
    pub fn compute(&self) -> Result<T>
    where
        T: Clone,
    {
        self.compute_with(&Config::default()).map(|(v, _)| v)
    }

    /// Computes with a configuration, also returning scheduler counts.
    pub fn compute_with(&self, cfg: &Config) -> Result<(T, ExecStats)>
    where
        T: Clone,
    {
        let (mut v, stats) = run(std::slice::from_ref(&self.node), cfg)?;
        Ok((unwrap_value(v.pop().expect("one result")), stats))
    }
}

pub(crate) fn unwrap_value<T: Clone + Send + Sync + 'static>(v: Value) -> T {
    let v = v.downcast::<T>().unwrap_or_else(|_| unreachable!("delayed values have their declared types"));
    Arc::try_unwrap(v).unwrap_or_else(|a| (*a).clone())
}

/// Runs delayed roots together; shared calls run once.
pub(crate) fn run(roots: &[Arc<DNode>], cfg: &Config) -> Result<(Vec<Value>, ExecStats)> {
    let got: Vec<Mutex<Option<Value>>> = roots.iter().map(|_| Mutex::new(None)).collect();
    let sink = |at: &[(usize, usize)], b: Block<'_>| {
        let Block::Computed(p) = b else { unreachable!("delayed values are computed") };
        let Payload::Value(v) = &*p else { unreachable!("delayed calls give values") };
        for &(r, _) in at {
            *got[r].lock().unwrap_or_else(|e| e.into_inner()) = Some(v.clone());
        }
        Ok(())
    };
    let stats = crate::run::run(Roots::Delayed(roots), cfg, 0, &sink)?;
    let vals = got.into_iter().map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()).expect("every root computed"));
    Ok((vals.collect(), stats))
}

macro_rules! calls {
    ($( $call:ident, $try_call:ident: $($a:ident $A:ident $i:tt),+ ;)*) => {$(
        /// Records a call of `f` on delayed arguments.
        pub fn $call<$($A: Send + Sync + 'static,)+ R, F>(name: &str, f: F, $($a: impl Borrow<Delayed<$A>>),+) -> Delayed<R>
        where
            R: Send + Sync + 'static,
            F: Fn($(&$A),+) -> R + Send + Sync + 'static,
        {
            let deps = vec![$($a.borrow().node.clone()),+];
            let token = fn_token::<F>(name);
            Delayed::from_parts(name, token, deps, Arc::new(move |v: &[&Value]| Ok(Arc::new(f($(typed::<$A>(v[$i])),+)) as Value)))
        }

        /// Records a call of a fallible `f`; its error fails the computation.
        pub fn $try_call<$($A: Send + Sync + 'static,)+ R, E, F>(name: &str, f: F, $($a: impl Borrow<Delayed<$A>>),+) -> Delayed<R>
        where
            R: Send + Sync + 'static,
            E: std::fmt::Display,
            F: Fn($(&$A),+) -> std::result::Result<R, E> + Send + Sync + 'static,
        {
            let deps = vec![$($a.borrow().node.clone()),+];
            let token = fn_token::<F>(name);
            Delayed::from_parts(name, token, deps, Arc::new(move |v: &[&Value]| {
                f($(typed::<$A>(v[$i])),+).map(|r| Arc::new(r) as Value).map_err(|e| Error::User(e.to_string()))
            }))
        }
    )*};
}

calls! {
    call1, try_call1: a A 0;
    call2, try_call2: a A 0, b B 1;
    call3, try_call3: a A 0, b B 1, c C 2;
    call4, try_call4: a A 0, b B 1, c C 2, d D 3;
}

/// Records a call of `f` on any number of delayed arguments of one type.
pub fn call_many<A, R, F>(name: &str, f: F, args: &[Delayed<A>]) -> Delayed<R>
where
    A: Send + Sync + 'static,
    R: Send + Sync + 'static,
    F: Fn(&[&A]) -> R + Send + Sync + 'static,
{
    let deps = args.iter().map(|a| a.node.clone()).collect();
    let token = fn_token::<F>(name);
    Delayed::from_parts(
        name,
        token,
        deps,
        Arc::new(move |v: &[&Value]| {
            let xs: Vec<&A> = v.iter().map(|x| typed::<A>(x)).collect();
            Ok(Arc::new(f(&xs)) as Value)
        }),
    )
}

/// Records a call: `delayed!(f(a, b))` with `a`, `b` delayed values (or
/// references to them); `f` is named in task keys.
#[macro_export]
macro_rules! delayed {
    ($f:ident ( $a:expr $(,)? )) => {
        $crate::delayed::call1(stringify!($f), $f, $a)
    };
    ($f:ident ( $a:expr, $b:expr $(,)? )) => {
        $crate::delayed::call2(stringify!($f), $f, $a, $b)
    };
    ($f:ident ( $a:expr, $b:expr, $c:expr $(,)? )) => {
        $crate::delayed::call3(stringify!($f), $f, $a, $b, $c)
    };
    ($f:ident ( $a:expr, $b:expr, $c:expr, $d:expr $(,)? )) => {
        $crate::delayed::call4(stringify!($f), $f, $a, $b, $c, $d)
    };
}

/// Records a call of a function returning `Result`: `try_delayed!(f(a))`.
#[macro_export]
macro_rules! try_delayed {
    ($f:ident ( $a:expr $(,)? )) => {
        $crate::delayed::try_call1(stringify!($f), $f, $a)
    };
    ($f:ident ( $a:expr, $b:expr $(,)? )) => {
        $crate::delayed::try_call2(stringify!($f), $f, $a, $b)
    };
    ($f:ident ( $a:expr, $b:expr, $c:expr $(,)? )) => {
        $crate::delayed::try_call3(stringify!($f), $f, $a, $b, $c)
    };
    ($f:ident ( $a:expr, $b:expr, $c:expr, $d:expr $(,)? )) => {
        $crate::delayed::try_call4(stringify!($f), $f, $a, $b, $c, $d)
    };
}

/// Computes several delayed values in one graph, sharing common calls.
///
/// ```
/// use darray::delayed::{compute_many, Delayed};
/// let xs: Vec<Delayed<i32>> = (0..4).map(Delayed::value).collect();
/// let sq: Vec<Delayed<i32>> = xs.iter().map(|x| darray::delayed::call1("sq", |v: &i32| v * v, x)).collect();
/// assert_eq!(compute_many(&sq)?, vec![0, 1, 4, 9]);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn compute_many<T: Clone + Send + Sync + 'static>(values: &[Delayed<T>]) -> Result<Vec<T>> {
    compute_many_with(values, &Config::default()).map(|(v, _)| v)
}

/// [`compute_many`] with a configuration, also returning scheduler counts.
pub fn compute_many_with<T: Clone + Send + Sync + 'static>(
    values: &[Delayed<T>],
    cfg: &Config,
) -> Result<(Vec<T>, ExecStats)> {
    let roots: Vec<Arc<DNode>> = values.iter().map(|v| v.node.clone()).collect();
    let (vals, stats) = run(&roots, cfg)?;
    Ok((vals.into_iter().map(unwrap_value).collect(), stats))
}

/// Computes two delayed values of different types together.
pub fn compute2<A, B>(a: &Delayed<A>, b: &Delayed<B>) -> Result<(A, B)>
where
    A: Clone + Send + Sync + 'static,
    B: Clone + Send + Sync + 'static,
{
    let (mut v, _) = run(&[a.node.clone(), b.node.clone()], &Config::default())?;
    let vb = v.pop().expect("two results");
    let va = v.pop().expect("two results");
    Ok((unwrap_value(va), unwrap_value(vb)))
}
