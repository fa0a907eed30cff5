//! [`DigestIndex`]: exact lookup of fixed-size cryptographic digests.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{PoisonError, RwLock};

use crate::EntryId;

/// Exact-match index for fixed-size digests (MD5: `N = 16`, SHA-256: `N = 32`), with live insert and removal.
///
/// `Send + Sync`; every operation holds a lock only for a hash-map operation.
#[derive(Debug)]
pub struct DigestIndex<const N: usize> {
    inner: RwLock<Inner<N>>,
}

#[derive(Debug, Default)]
struct Inner<const N: usize> {
    by_digest: HashMap<[u8; N], Vec<EntryId>>,
    by_id: HashMap<EntryId, [u8; N]>,
}

impl<const N: usize> Default for DigestIndex<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> DigestIndex<N> {
    /// An empty index.
    pub fn new() -> Self {
        DigestIndex { inner: RwLock::new(Inner { by_digest: HashMap::new(), by_id: HashMap::new() }) }
    }

    /// Adds an entry, or replaces the digest of `id` if present.
    pub fn insert(&self, id: EntryId, digest: [u8; N]) {
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = inner.by_id.insert(id, digest) {
            inner.unlink(id, &old);
        }
        inner.by_digest.entry(digest).or_default().push(id);
    }

    /// Removes an entry; returns whether it was present.
    pub fn remove(&self, id: EntryId) -> bool {
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        match inner.by_id.remove(&id) {
            Some(old) => {
                inner.unlink(id, &old);
                true
            }
            None => false,
        }
    }

    /// Ids of the entries with exactly this digest, ascending.
    pub fn get(&self, digest: &[u8; N]) -> Vec<EntryId> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        let mut ids = inner.by_digest.get(digest).cloned().unwrap_or_default();
        ids.sort_unstable();
        ids
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.inner.read().unwrap_or_else(PoisonError::into_inner).by_id.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<const N: usize> Inner<N> {
    fn unlink(&mut self, id: EntryId, digest: &[u8; N]) {
        if let Entry::Occupied(mut ids) = self.by_digest.entry(*digest) {
            ids.get_mut().retain(|&other| other != id);
            if ids.get().is_empty() {
                ids.remove();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_get_replace_remove() {
        let index = DigestIndex::<16>::new();
        assert!(index.is_empty());
        index.insert(7, [1; 16]);
        index.insert(3, [1; 16]);
        index.insert(9, [2; 16]);
        assert_eq!(index.get(&[1; 16]), vec![3, 7]);
        assert_eq!(index.len(), 3);
        index.insert(7, [2; 16]);
        assert_eq!(index.get(&[1; 16]), vec![3]);
        assert_eq!(index.get(&[2; 16]), vec![7, 9]);
        assert!(index.remove(3));
        assert!(!index.remove(3));
        assert!(index.get(&[1; 16]).is_empty());
        assert_eq!(index.len(), 2);
    }
}
