//! Power loss: a scripted sequence of writes is cut at every byte of every
//! write and erase it makes (with the byte at the cut partially programmed
//! or erased), and fuzzed sequences are cut at random points, also during
//! the recovery that follows a cut. After every cut the store must open,
//! and every record must read as its last committed value or the value
//! being written when the power went — never garbage, never an error — and
//! the store must go on working.

mod common;

use common::{SLOT, Small, Store, cipher, config, nonces, value};
use pageseal_core::Suite;
use pageseal_flash::mock::MockError;
use pageseal_flash::{Config, Error};
use proptest::prelude::*;

/// One step of a script: write `value` to record `id`, or reboot.
#[derive(Clone, Debug)]
enum Op {
    Write(u32, Vec<u8>),
    Reboot,
}

/// Partially programmed / erased bit patterns cycled through the cuts.
const MASKS: [u8; 4] = [0x00, 0x55, 0xAA, 0xFE];

/// The committed value of each id (`None`: never written).
type Model = Vec<Option<Vec<u8>>>;

struct Run {
    suite: Suite,
    random: bool,
    config: Config,
}

impl Run {
    fn open<'f>(
        &self,
        flash: &'f mut Small,
        seed: u64,
    ) -> Result<Store<&'f mut Small>, Error<MockError>> {
        Store::open(
            flash,
            cipher(self.suite, 7),
            nonces(self.random, seed),
            self.config,
        )
    }

    /// Reads every id and checks it against `model`, allowing the in-flight
    /// write `pending` instead; returns the model as the store decided it.
    fn check(
        &self,
        store: &mut Store<&mut Small>,
        model: &Model,
        pending: Option<&(u32, Vec<u8>)>,
    ) -> Model {
        let mut decided = model.clone();
        let mut out = [0u8; SLOT];
        for (id, want) in model.iter().enumerate() {
            let got = store
                .read(id as u32, &mut out)
                .unwrap_or_else(|e| panic!("{}: read {id} after a cut: {e}", self.suite))
                .map(|n| out[..n].to_vec());
            let in_flight = pending
                .filter(|(p, _)| *p as usize == id)
                .map(|(_, v)| v.clone());
            assert!(
                got == *want || (in_flight.is_some() && got == in_flight),
                "{}: record {id} reads {got:?}, expected {want:?} or {in_flight:?}",
                self.suite
            );
            decided[id] = got;
        }
        let ids: Vec<u32> = store.ids().map(Result::unwrap).collect();
        let want: Vec<u32> = (0..decided.len() as u32)
            .filter(|&i| decided[i as usize].is_some())
            .collect();
        assert_eq!(ids, want, "{}: ids after a cut", self.suite);
        decided
    }

    /// Boots until an open succeeds: powers on after a cut (arming the next
    /// cut of `cuts`, which may hit the recovery itself).
    fn boot(&self, flash: &mut Small, cuts: &mut impl Iterator<Item = u32>, hits: &mut usize) {
        loop {
            if flash.is_cut() {
                flash.power_on();
                if let Some(c) = cuts.next() {
                    flash.cut_after(c);
                }
            }
            match self.open(flash, *hits as u64 + 2) {
                Ok(_) => return,
                Err(Error::Flash(MockError::PowerCut(_))) => *hits += 1,
                Err(e) => panic!("{}: open after a cut: {e}", self.suite),
            }
        }
    }

    /// Runs `ops` from an empty store with a power cut after each byte count
    /// in `cuts` (counted from power-on); returns how many cuts hit.
    fn play(&self, ops: &[Op], cuts: &[u32], mask: u8) -> usize {
        let mut flash = Store::format(
            Small::new(),
            cipher(self.suite, 7),
            nonces(self.random, 1),
            self.config,
        )
        .unwrap()
        .into_flash();
        flash.set_partial_bits(mask);
        let mut cuts = cuts.iter().copied();
        if let Some(c) = cuts.next() {
            flash.cut_after(c);
        }
        let (mut hits, mut step) = (0, 0);
        let mut model: Model = vec![None; 6];
        let mut pending: Option<(u32, Vec<u8>)> = None;
        loop {
            self.boot(&mut flash, &mut cuts, &mut hits);
            let mut store = self.open(&mut flash, step as u64 + 1000).unwrap();
            model = self.check(&mut store, &model, pending.as_ref());
            pending = None;
            let mut reboot = false;
            while let Some(op) = ops.get(step) {
                step += 1;
                match op {
                    Op::Reboot => {
                        reboot = true;
                        break;
                    }
                    Op::Write(id, v) => match store.write(*id, v) {
                        Ok(()) => model[*id as usize] = Some(v.clone()),
                        Err(Error::Flash(MockError::PowerCut(_))) => {
                            hits += 1;
                            pending = Some((*id, v.clone()));
                            reboot = true;
                            break;
                        }
                        Err(e) => panic!("{}: step {step}: {e}", self.suite),
                    },
                }
            }
            if !reboot {
                break;
            }
        }
        // After the script: a clean reboot, everything as the model says.
        flash.power_on();
        let mut store = self.open(&mut flash, 99).unwrap();
        self.check(&mut store, &model, None);
        hits
    }
}

fn script(max: usize) -> Vec<Op> {
    // Record 5 is written once and must survive every sector move; ids 0..4
    // churn with lengths from 0 to the slot's capacity.
    let mut ops = vec![Op::Write(5, value(0, 5, max))];
    for step in 1..26 {
        let id = (step * 3 % 4) as u32;
        ops.push(Op::Write(id, value(step, id, max)));
        if step % 11 == 0 {
            ops.push(Op::Reboot);
        }
    }
    ops
}

impl Run {
    /// Cuts the power at every byte of every write and erase of `ops`: the
    /// script runs once without cuts, keeping the flash before each step;
    /// then each step is replayed from there with a cut at each of its
    /// bytes, the store reopened and checked, and the next steps run.
    /// Returns the number of cut points.
    fn every_cut(&self, ops: &[Op]) -> u32 {
        let mut flash = Store::format(
            Small::new(),
            cipher(self.suite, 7),
            nonces(self.random, 1),
            self.config,
        )
        .unwrap()
        .into_flash();
        let mut model: Model = vec![None; 6];
        let mut before = Vec::new();
        for (step, op) in ops.iter().enumerate() {
            let snapshot = (flash.clone(), model.clone());
            let (w0, e0, b0) = flash.stats();
            let mut store = self.open(&mut flash, step as u64).unwrap();
            if let Op::Write(id, v) = op {
                store.write(*id, v).unwrap();
                model[*id as usize] = Some(v.clone());
            }
            let (w1, e1, b1) = flash.stats();
            let bytes = (b1 - b0) + (e1 - e0) * 1024;
            assert!(bytes > 0 || matches!(op, Op::Reboot) || w1 == w0);
            before.push((snapshot, bytes));
        }
        let mut points = 0;
        for (step, ((image, model), bytes)) in before.into_iter().enumerate() {
            let Op::Write(id, v) = &ops[step] else {
                continue;
            };
            for cut in 0..bytes as u32 {
                let mut flash = image.clone();
                flash.set_partial_bits(MASKS[cut as usize % MASKS.len()]);
                flash.cut_after(cut);
                let mut store = self.open(&mut flash, cut as u64).unwrap();
                match store.write(*id, v) {
                    Err(Error::Flash(MockError::PowerCut(_))) => {}
                    other => panic!("{}: step {step} cut {cut}: {other:?}", self.suite),
                }
                flash.power_on();
                let mut store = self.open(&mut flash, cut as u64 + 1).unwrap();
                let mut decided = self.check(&mut store, &model, Some(&(*id, v.clone())));
                // The store goes on working: the next two writes, a reboot.
                for op in ops[step + 1..].iter().take(3) {
                    if let Op::Write(id, v) = op {
                        store.write(*id, v).unwrap();
                        decided[*id as usize] = Some(v.clone());
                    }
                }
                let mut store = self.open(&mut flash, 5).unwrap();
                self.check(&mut store, &decided, None);
                points += 1;
            }
        }
        points
    }
}

#[test]
fn a_cut_at_every_byte_of_a_scripted_sequence_loses_nothing_committed() {
    let runs = [
        (Suite::Aegis128L, true, config(3, 6)),
        (Suite::Aes128Gcm, false, config(3, 6)),
        (Suite::Aegis256, false, config(2, 6)),
        (Suite::Checksum, true, config(2, 6)),
    ];
    for (suite, random, config) in runs {
        let run = Run {
            suite,
            random,
            config,
        };
        let points = run.every_cut(&script(store_capacity(suite)));
        assert!(points > 4000, "{suite}: only {points} cut points");
    }
}

fn store_capacity(suite: Suite) -> usize {
    Store::format(
        Small::new(),
        cipher(suite, 7),
        nonces(true, 1),
        config(2, 6),
    )
    .unwrap()
    .capacity()
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0u32..4, 0usize..=40).prop_map(|(id, len)| Op::Write(id, vec![id as u8 ^ len as u8; len])),
        1 => Just(Op::Reboot),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Random writes and reboots, cut several times at random bytes (also
    /// during the recoveries the cuts cause), with random partial bits.
    #[test]
    fn fuzzed_sequences_with_repeated_cuts_lose_nothing_committed(
        ops in prop::collection::vec(op(), 1..60),
        cuts in prop::collection::vec(0u32..4000, 0..4),
        mask in any::<u8>(),
        suite in prop::sample::select(vec![Suite::Aes256Gcm, Suite::ChaCha20Poly1305, Suite::Aegis128X2, Suite::Checksum]),
        random in any::<bool>(),
        sectors in 2u32..=4,
    ) {
        let run = Run { suite, random, config: config(sectors, 4) };
        run.play(&ops, &cuts, mask);
    }
}
