//! The walk's passes, built twice: for any CPU, and on x86-64 for CPUs with the bit
//! instructions of BMI1, BMI2, LZCNT and POPCNT (Intel since Haswell, AMD since Zen), chosen
//! at run time. The walk is bit work on masks: shifts by a run's offset, leading and trailing
//! zero counts, clearing the lowest set bit. The baseline x86-64 build has a shift by a
//! variable count that also writes the flags (several micro-operations on Intel cores), and
//! counts leading zeros with `bsr` and a fix-up for zero; with the extensions each is one
//! instruction. The one body of each pass is compiled into both builds (target features reach
//! only the code inlined into a function that has them), and the passes that call another pass
//! call it in their own build, through [`Build`].

use super::walk::{Batch, Walk};
use crate::engine::Hit;
use crate::matcher::Match;

/// The build for any CPU.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plain;

/// The build with the bit instructions: a value exists only where the CPU has them.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) struct BitOps(());

impl BitOps {
    /// The build with the bit instructions, if this CPU has them.
    #[inline]
    pub(crate) fn detect() -> Option<BitOps> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("bmi1")
            && std::arch::is_x86_feature_detected!("bmi2")
            && std::arch::is_x86_feature_detected!("lzcnt")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            return Some(BitOps(()));
        }
        None
    }
}

/// Declares [`Build`] with a method for each pass of the list, and implements it for both
/// builds: each pass's body (`$body`, a function taking the walk, the build and the pass's
/// arguments) is compiled once into a function of [`Plain`]'s and once into one with the bit
/// instructions enabled.
macro_rules! builds {
    ($($pass:ident($($arg:ident: $ty:ty),*) => $body:path;)*) => {
        /// Which build of the passes runs: [`Plain`], or [`BitOps`] where the CPU has them.
        pub(crate) trait Build: Copy {
            $(
                #[doc = concat!("[`", stringify!($body), "`], in this build.")]
                fn $pass(self, walk: &Walk, $($arg: $ty),*);
            )*
        }

        impl Build for Plain {
            $(
                #[inline(never)]
                fn $pass(self, walk: &Walk, $($arg: $ty),*) {
                    $body(walk, self, $($arg),*)
                }
            )*
        }

        /// The passes compiled with the bit instructions.
        #[cfg(target_arch = "x86_64")]
        mod with_bit_ops {
            use super::*;
            $(
                #[target_feature(enable = "bmi1,bmi2,lzcnt,popcnt")]
                #[inline(never)]
                pub(super) fn $pass(walk: &Walk, bits: BitOps, $($arg: $ty),*) {
                    $body(walk, bits, $($arg),*)
                }
            )*
        }

        impl Build for BitOps {
            $(
                #[inline(always)]
                #[allow(unsafe_code)]
                fn $pass(self, walk: &Walk, $($arg: $ty),*) {
                    // SAFETY: a `BitOps` is made only by `BitOps::detect`, on a CPU with the
                    // features the function is compiled for.
                    #[cfg(target_arch = "x86_64")]
                    unsafe { with_bit_ops::$pass(walk, self, $($arg),*) }
                    // Not reached: `detect` makes no `BitOps` elsewhere.
                    #[cfg(not(target_arch = "x86_64"))]
                    $body(walk, self, $($arg),*)
                }
            )*
        }
    };
}

builds! {
    host_runs(batch: &mut Batch, out: &mut Vec<Match>) => Walk::host_runs_in;
    look_up_batch(batch: &mut Batch, out: &mut Vec<Match>) => Walk::look_up_batch_in;
    digests(batch: &mut Batch, out: &mut Vec<Match>) => Walk::digests_in;
    look_up_digests(batch: &mut Batch, out: &mut Vec<Match>) => Walk::look_up_digests_in;
    emails(out: &mut Vec<Match>) => Walk::emails_in;
    colon_pass(out: &mut Vec<Match>, hits: &mut Vec<Hit>) => crate::scan::text::colon_pass_in;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::NaiveMatcher;
    use crate::scan::text::tokens_with;
    use crate::{IndicatorSet, LoadOptions, Matcher};
    use proptest::prelude::*;

    /// Indicators of every family the passes look for.
    const INDICATORS: &str = "192.0.2.1\n198.51.100.0/24\n10.0.0.0/8\n2001:db8::/32\n\
        evil.example\nb-c.test\texample=1\nxn--bcher-kva.example\n\
        http://evil.example/a\nevil.example:8080/p\nbob@evil.example\n\
        d41d8cd98f00b204e9800998ecf8427e\nda39a3ee5e6b4b0d3255bfef95601890afd80709\n";

    /// Pieces of the texts: indicator values, near misses, and the bytes around tokens.
    const PIECES: &[&str] = &[
        "192.0.2.1",
        "198.51.100.77",
        "10.1.2.3",
        "1.2.3.4.5",
        "192.0.2.",
        "2001:db8::5",
        "::ffff:192.0.2.1",
        "[2001:db8::1]",
        "evil.example",
        "EVIL.Example.",
        "a.b-c.test",
        "notevil.example",
        "bücher.example",
        "http://",
        "https://evil.example",
        "/a",
        "/a/b",
        ":8080",
        "?q",
        "bob",
        "@",
        "bob@evil.example.",
        "d41d8cd98f00b204e9800998ecf8427e",
        "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709",
        "0123456789abcdef",
        "1700000000.123",
        " ",
        "\t",
        ".",
        "-",
        "_",
        ":",
        "/",
        "\n",
        "\r\n",
        "\0",
        "\u{80}",
        "x",
        "7",
    ];

    fn load(indicators: &str) -> IndicatorSet {
        let mut set = IndicatorSet::new();
        set.load("test", indicators.as_bytes(), &LoadOptions::default())
            .expect("the indicators load");
        set
    }

    /// The matches of each build, sorted and without repeats (as a scan reports them); `None`
    /// for the bit-instruction build where the matcher found no such instructions.
    fn both(m: &Matcher, text: &[u8]) -> (Vec<Match>, Option<Vec<Match>>) {
        let run = |build: &dyn Fn(&mut Vec<Match>)| {
            let mut out = Vec::new();
            build(&mut out);
            out.sort_unstable();
            out.dedup();
            out
        };
        let plain = run(&|out| tokens_with(Plain, &m.inner, text, out));
        let bits = m
            .inner
            .bit_ops
            .map(|b| run(&|out| tokens_with(b, &m.inner, text, out)));
        (plain, bits)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        /// Each build against the reference (the set has no literal or regex indicators, so
        /// the token passes find all there is).
        #[test]
        fn both_builds_find_what_the_reference_finds(
            pieces in proptest::collection::vec(0..PIECES.len(), 0..400)
        ) {
            let set = load(INDICATORS);
            let (m, naive) = (set.compile().expect("the set compiles"), NaiveMatcher::new(set.indicators()));
            let text: String = pieces.iter().map(|&i| PIECES[i]).collect();
            let (plain, bits) = both(&m, text.as_bytes());
            let expected = naive.scan(text.as_bytes());
            prop_assert_eq!(&plain, &expected, "text {:?}", text);
            if let Some(bits) = bits {
                prop_assert_eq!(&bits, &expected, "text {:?}", text);
            }
        }
    }

    /// The bundled example logs against the bundled indicators: texts of some kilobytes, so
    /// that the windows of the passes fill and are looked up in the middle of a text.
    #[test]
    fn both_builds_agree_on_the_example_logs() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
        let indicators = std::fs::read_to_string(format!("{root}/indicators/blocklist.txt"))
            .expect("the example indicators are readable");
        let m = load(&indicators).compile().expect("the set compiles");
        if m.inner.bit_ops.is_none() {
            eprintln!("skipped: this CPU has no BMI1, BMI2, LZCNT or POPCNT");
            return;
        }
        let mut found = 0;
        for log in ["conn", "dns", "files", "http", "smtp", "ssl"] {
            let text = std::fs::read(format!("{root}/logs/{log}.log")).expect("the log reads");
            let (plain, bits) = both(&m, &text);
            assert_eq!(Some(&plain), bits.as_ref(), "{log}.log");
            found += plain.len();
        }
        // Agreement on finding nothing would say nothing.
        assert!(found > 10, "only {found} matches in the example logs");
    }
}
