//! What every scan's hits must satisfy, shared by the scan targets.

use sigil_runtime::scan::Hit;

/// Hits are non-empty, in bounds, sorted and disjoint, and on character boundaries when the
/// input is UTF-8.
pub fn check(data: &[u8], hits: &[Hit]) {
    let text = std::str::from_utf8(data).ok();
    let mut last_end = 0;
    for h in hits {
        assert!(h.span.start < h.span.end, "empty span {:?}", h.span);
        assert!(
            h.span.end <= data.len(),
            "span {:?} beyond {}",
            h.span,
            data.len()
        );
        assert!(h.span.start >= last_end, "overlapping or unsorted hits");
        last_end = h.span.end;
        if let Some(t) = text {
            assert!(t.is_char_boundary(h.span.start) && t.is_char_boundary(h.span.end));
        }
    }
}
