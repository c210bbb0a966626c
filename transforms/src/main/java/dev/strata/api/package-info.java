/**
 * Strata's public API: the one package users build on.
 *
 * <ul>
 *   <li>{@link dev.strata.api.TableTransform}: a table's business logic, a pure function of its
 *       {@link dev.strata.api.TransformInputs} (the inputs for one {@link dev.strata.api.Partition}
 *       and the options its definition gives it).
 *   <li>{@link dev.strata.api.Strata}: the engine from a notebook or any JVM program, returning typed
 *       outcomes ({@link dev.strata.api.RunOutcome}, {@link dev.strata.api.BuildOutcome}, {@link
 *       dev.strata.api.BuildStatus}).
 *   <li>{@link dev.strata.api.StrataException}: what every entry point throws on bad input, a
 *       table partition not ready or held, or a failed build; its message says what, where and how
 *       to fix it.
 * </ul>
 *
 * <p>Everything outside this package is internal and may change in any release. This package
 * depends on Spark's public API and the JDK only.
 */
package dev.strata.api;
