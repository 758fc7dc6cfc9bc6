//! [`DialectSql`]: SQL text a mapping compiles once per dialect and keeps.

use std::sync::Arc;

use parking_lot::RwLock;
use philtre::{Compiled, Dialect, Result};

/// SQL text compiled once for each dialect it is asked for (a process rarely uses more
/// than one, so a short list beats a map). The text must not depend on the values the
/// compile bound: each call binds its own values to the kept placeholders.
#[derive(Debug, Default)]
pub(crate) struct DialectSql(RwLock<Vec<(&'static str, Arc<str>)>>);

impl DialectSql {
    /// The SQL kept for `dialect`, or what `compile` gives, kept from then on.
    pub(crate) fn get_or_compile(
        &self,
        dialect: &dyn Dialect,
        compile: impl FnOnce() -> Result<Compiled>,
    ) -> Result<Arc<str>> {
        let name = dialect.name();
        if let Some((_, sql)) = self.0.read().iter().find(|(d, _)| *d == name) {
            return Ok(sql.clone());
        }
        let sql: Arc<str> = compile()?.sql.into();
        let mut kept = self.0.write();
        // Another thread may have compiled it meanwhile: keep one copy.
        if let Some((_, sql)) = kept.iter().find(|(d, _)| *d == name) {
            return Ok(sql.clone());
        }
        kept.push((name, sql.clone()));
        Ok(sql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use philtre::compiler::SqlWriter;
    use philtre::{select, Column, Executable, MetaData, SqlType, Table};

    /// Two dialects that quote identifiers differently.
    #[derive(Debug)]
    struct Quoting(&'static str, char);

    impl Dialect for Quoting {
        fn name(&self) -> &'static str {
            self.0
        }
        fn identifier_quote(&self) -> Option<char> {
            Some(self.1)
        }
        fn write_type(&self, w: &mut SqlWriter<'_>, ty: &SqlType) -> Result<()> {
            w.push(&ty.to_string());
            Ok(())
        }
    }

    const DIALECTS: [Quoting; 2] = [Quoting("double", '"'), Quoting("back", '`')];

    fn table() -> Table {
        let md = MetaData::new();
        Table::new("t", &md, [Column::new("a", philtre::types::Integer)])
    }

    #[test]
    fn each_dialect_gets_its_own_text_compiled_once() {
        let t = table();
        let kept = DialectSql::default();
        let mut compiles = 0;
        for d in &DIALECTS {
            for _ in 0..2 {
                let sql = kept
                    .get_or_compile(d, || {
                        compiles += 1;
                        select([t.c("a")]).compile(d)
                    })
                    .unwrap();
                assert_eq!(&*sql, select([t.c("a")]).to_sql(d).unwrap());
            }
        }
        assert_eq!(compiles, 2);
        assert_ne!(
            kept.get_or_compile(&DIALECTS[0], || unreachable!())
                .unwrap(),
            kept.get_or_compile(&DIALECTS[1], || unreachable!())
                .unwrap()
        );
    }

    #[test]
    fn a_failed_compile_keeps_nothing() {
        let t = table();
        let d = &DIALECTS[0];
        let kept = DialectSql::default();
        let err = kept
            .get_or_compile(d, || select([t.c("nope")]).compile(d))
            .unwrap_err();
        assert!(
            matches!(err, philtre::Error::NoSuchColumn { .. }),
            "{err:?}"
        );
        let sql = kept
            .get_or_compile(d, || select([t.c("a")]).compile(d))
            .unwrap();
        assert_eq!(&*sql, select([t.c("a")]).to_sql(d).unwrap());
    }
}
