//! Sealed values in a `sequential-storage` map or queue (feature
//! `sequential-storage`): the same calls as the map's `store_item` /
//! `fetch_item` and the queue's `push` / `pop`, with the value sealed by a
//! [`ValueSealer`] on the way in and opened on the way out.
//!
//! A map value is bound to its key (the key's serialized bytes are the
//! envelope's context), so a value copied to another key fails to open. A
//! queue item is bound to the context the caller passes (e.g. the queue's
//! name).

use embedded_storage_async::nor_flash::{MultiwriteNorFlash, NorFlash};
use pageseal_core::Aead;
use rand_core::CryptoRng;
use sequential_storage::cache::CacheImpl;
use sequential_storage::map::{Key, MapStorage};
use sequential_storage::queue::QueueStorage;

use crate::error::Error;
use crate::value::{MAX_CONTEXT, ValueSealer};

/// The error of the helpers: the map's or queue's own error in
/// [`Error::Flash`], the sealing errors otherwise.
pub type SealedError<S> =
    Error<sequential_storage::Error<<S as embedded_storage_async::nor_flash::ErrorType>::Error>>;

/// The serialized bytes of `key`, the context its value is bound to.
fn context<K: Key, E>(key: &K) -> Result<([u8; MAX_CONTEXT], usize), Error<E>> {
    let mut out = [0u8; MAX_CONTEXT];
    let len = key
        .serialize_into(&mut out)
        .map_err(|_| Error::TooLarge(MAX_CONTEXT))?;
    Ok((out, len))
}

/// Seals `value` (in `sealed`, which must hold the value plus
/// [`ValueSealer::overhead`]) and stores it under `key`; `data` is the
/// map's own work buffer (key + sealed value, rounded up to the word size).
pub async fn store_sealed<K, S, C, A, R>(
    map: &mut MapStorage<K, S, C>,
    sealer: &mut ValueSealer<A, R>,
    data: &mut [u8],
    sealed: &mut [u8],
    key: &K,
    value: &[u8],
) -> Result<(), SealedError<S>>
where
    K: Key,
    S: NorFlash,
    C: CacheImpl<K>,
    A: Aead,
    R: CryptoRng,
{
    let (ctx, len) = context(key)?;
    let envelope: &[u8] = sealer.seal(&ctx[..len], value, sealed)?;
    map.store_item(data, key, &envelope)
        .await
        .map_err(Error::Flash)
}

/// Fetches the value of `key` into `data` and opens it there: the value, or
/// `None` when the map has no item for `key`.
pub async fn fetch_sealed<'d, K, S, C, A, R>(
    map: &mut MapStorage<K, S, C>,
    sealer: &ValueSealer<A, R>,
    data: &'d mut [u8],
    key: &K,
) -> Result<Option<&'d [u8]>, SealedError<S>>
where
    K: Key,
    S: NorFlash,
    C: CacheImpl<K>,
    A: Aead,
    R: CryptoRng,
{
    let (ctx, len) = context(key)?;
    let base = data.as_ptr() as usize;
    // The map hands back a part of `data`; find which, to open it in place.
    let range = match map.fetch_item::<&[u8]>(data, key).await {
        Ok(Some(found)) => (found.as_ptr() as usize)
            .checked_sub(base)
            .map(|start| start..start + found.len()),
        Ok(None) => return Ok(None),
        Err(e) => return Err(Error::Flash(e)),
    };
    let sealed = range
        .and_then(|r| data.get_mut(r))
        .ok_or(Error::Corrupted(0))?;
    sealer.open(&ctx[..len], sealed).map(Some)
}

/// Seals `value` into `sealed` and pushes it onto `queue`, bound to
/// `context`.
pub async fn push_sealed<S, C, A, R>(
    queue: &mut QueueStorage<S, C>,
    sealer: &mut ValueSealer<A, R>,
    sealed: &mut [u8],
    context: &[u8],
    value: &[u8],
) -> Result<(), SealedError<S>>
where
    S: NorFlash,
    C: CacheImpl<()>,
    A: Aead,
    R: CryptoRng,
{
    let envelope: &[u8] = sealer.seal(context, value, sealed)?;
    queue.push(envelope, false).await.map_err(Error::Flash)
}

/// Pops the oldest item of `queue` into `data` and opens it there (bound
/// to `context`): the value, or `None` when the queue is empty. The item
/// is removed even if it fails to open.
pub async fn pop_sealed<'d, S, C, A, R>(
    queue: &mut QueueStorage<S, C>,
    sealer: &ValueSealer<A, R>,
    data: &'d mut [u8],
    context: &[u8],
) -> Result<Option<&'d [u8]>, SealedError<S>>
where
    S: MultiwriteNorFlash,
    C: CacheImpl<()>,
    A: Aead,
    R: CryptoRng,
{
    match queue.pop(data).await {
        Ok(Some(item)) => sealer.open(context, item).map(Some),
        Ok(None) => Ok(None),
        Err(e) => Err(Error::Flash(e)),
    }
}
