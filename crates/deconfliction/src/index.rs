//! The index of registered operations: an R*-tree over latitude × longitude × time
//! boxes for space-time overlaps, a hash map for shared targets.

use std::collections::HashMap;

use rstar::{AABB, RTree, RTreeObject};

use crate::geo::bounding_box;
use crate::{Conflict, Operation, OperationError, OperationId, Rules, TargetRef, conflict_reasons};

/// Seconds per unit of the tree's time axis. Hours keep the time extent of a typical
/// operation (a few units) comparable to the spread of places (a few degrees), which
/// keeps the R* split heuristics balanced for incremental inserts; bulk loading does
/// not care.
const SECONDS_PER_TIME_UNIT: f64 = 3600.0;

/// One operation's box in the tree; `slot` indexes [`OperationIndex::operations`].
#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    envelope: AABB<[f64; 3]>,
    slot: u32,
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f64; 3]>;

    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

fn envelope(operation: &Operation) -> AABB<[f64; 3]> {
    let bounds = bounding_box(operation.centre, operation.radius_m);
    let time =
        |moment: chrono::DateTime<chrono::Utc>| moment.timestamp() as f64 / SECONDS_PER_TIME_UNIT;
    AABB::from_corners(
        [bounds.min_lat, bounds.min_lon, time(operation.window.start)],
        [bounds.max_lat, bounds.max_lon, time(operation.window.end)],
    )
}

/// Registered operations, ready to answer "which of them conflict with this one".
#[derive(Debug)]
pub struct OperationIndex {
    rules: Rules,
    tree: RTree<Entry>,
    operations: Vec<Operation>,
    slots: HashMap<OperationId, u32>,
    by_target: HashMap<TargetRef, Vec<u32>>,
}

impl OperationIndex {
    /// An empty index.
    pub fn new(rules: Rules) -> OperationIndex {
        OperationIndex {
            rules,
            tree: RTree::new(),
            operations: Vec::new(),
            slots: HashMap::new(),
            by_target: HashMap::new(),
        }
    }

    /// An index of these operations, the tree packed in one go (much faster than
    /// inserting one by one). Refuses two operations with one id.
    pub fn with_operations(
        operations: Vec<Operation>,
        rules: Rules,
    ) -> Result<OperationIndex, OperationError> {
        let mut index = OperationIndex::new(rules);
        let mut entries = Vec::with_capacity(operations.len());
        for operation in operations {
            let slot = index.add(operation)?;
            entries.push(Entry {
                envelope: envelope(&index.operations[slot as usize]),
                slot,
            });
        }
        index.tree = RTree::bulk_load(entries);
        Ok(index)
    }

    /// Registers one more operation. Refuses an id already in the index.
    pub fn insert(&mut self, operation: Operation) -> Result<(), OperationError> {
        let slot = self.add(operation)?;
        self.tree.insert(Entry {
            envelope: envelope(&self.operations[slot as usize]),
            slot,
        });
        Ok(())
    }

    fn add(&mut self, operation: Operation) -> Result<u32, OperationError> {
        let slot = u32::try_from(self.operations.len()).map_err(|_| OperationError::Full)?;
        if self.slots.insert(operation.id, slot).is_some() {
            return Err(OperationError::Duplicate(operation.id));
        }
        for target in &operation.targets {
            let slots = self.by_target.entry(target.clone()).or_default();
            if slots.last() != Some(&slot) {
                slots.push(slot);
            }
        }
        self.operations.push(operation);
        Ok(slot)
    }

    /// How many operations are registered.
    pub fn len(&self) -> usize {
        self.operations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }

    /// The rules conflicts are judged by.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// A registered operation by id.
    pub fn get(&self, id: OperationId) -> Option<&Operation> {
        self.slots
            .get(&id)
            .map(|slot| &self.operations[*slot as usize])
    }

    /// Registered operations, in registration order.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// The registered operations that conflict with `operation` (itself excluded, by
    /// id), ordered by id, each with every reason that holds.
    pub fn conflicts(&self, operation: &Operation) -> Vec<Conflict> {
        let mut candidates: Vec<u32> = self
            .tree
            .locate_in_envelope_intersecting(&envelope(operation))
            .map(|entry| entry.slot)
            .collect();
        for target in &operation.targets {
            if let Some(slots) = self.by_target.get(target) {
                candidates.extend_from_slice(slots);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut conflicts: Vec<Conflict> = candidates
            .into_iter()
            .map(|slot| &self.operations[slot as usize])
            .filter(|other| other.id != operation.id)
            .filter_map(|other| {
                let reasons = conflict_reasons(operation, other, &self.rules);
                (!reasons.is_empty()).then_some(Conflict {
                    other: other.id,
                    reasons,
                })
            })
            .collect();
        conflicts.sort_by_key(|conflict| conflict.other);
        conflicts
    }

    /// Every conflicting pair among the registered operations, once each, as
    /// `(smaller id, conflict with the larger id)`, ordered.
    pub fn all_conflicts(&self) -> Vec<(OperationId, Conflict)> {
        let mut pairs = Vec::new();
        for operation in &self.operations {
            for conflict in self.conflicts(operation) {
                if conflict.other > operation.id {
                    pairs.push((operation.id, conflict));
                }
            }
        }
        pairs.sort_by_key(|(first, conflict)| (*first, conflict.other));
        pairs
    }
}
