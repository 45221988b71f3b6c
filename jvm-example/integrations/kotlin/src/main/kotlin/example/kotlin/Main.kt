package example.kotlin

import dev.awa.enqueue.AwaEnqueue
import dev.awa.enqueue.Hex
import dev.awa.enqueue.InsertResult
import dev.awa.enqueue.Job
import dev.awa.enqueue.JobRow
import dev.awa.enqueue.Json
import dev.awa.enqueue.Prepared
import dev.awa.enqueue.UniqueOpts
import java.sql.Connection
import java.sql.DriverManager

/** A job's arguments as a data class; nullable fields become JSON null. */
data class SendWelcomeEmail(val userId: Long, val email: String?, val referrer: String? = null) {
    fun toJob(awa: AwaEnqueue): Job =
        Job.builder(awa.kindOf(SendWelcomeEmail::class.java))      // "send_welcome_email"
            .args(mapOf("user_id" to userId, "email" to email, "referrer" to referrer))
            .queue("kotlin_welcome")
            .unique(UniqueOpts.byArgs())
            .build()
}

data class DigestDay(val userId: Long, val day: Int)

fun DigestDay.toJob(): Job =
    Job.builder("welcome_digest").args(mapOf("user_id" to userId, "day" to day))
        .queue("kotlin_welcome").priority(3L).build()

/** Runs [block] in one transaction: commit on return, rollback on any exception. */
inline fun <T> Connection.inTransaction(block: (Connection) -> T): T {
    autoCommit = false
    try {
        return block(this).also { commit() }
    } catch (e: Throwable) {
        rollback()
        throw e
    } finally {
        autoCommit = true
    }
}

/** The job holding the key when [InsertResult] is a duplicate, else null. */
val InsertResult.holder: JobRow? get() = if (duplicate()) existing() else null

fun main(args: Array<String>) {
    val jdbcUrl = args.firstOrNull() ?: System.getenv("JDBC_URL") ?: error("usage: Main JDBC_URL")
    AwaEnqueue.create().use { awa ->
        DriverManager.getConnection(jdbcUrl).use { conn ->
            awa.checkSchema(conn)
            val welcome = SendWelcomeEmail(userId = 42, email = "ada@example.com")
            val digest = (1..3).map { DigestDay(userId = 42, day = it) }

            val (first, dup, batch) = conn.inTransaction { tx ->
                val row = awa.enqueue(tx, welcome.toJob(awa))
                val again = awa.tryEnqueue(tx, welcome.toJob(awa))       // the same args: a duplicate
                Triple(row, again, awa.enqueueMany(tx, digest.map { it.toJob() }))
            }
            check(dup.holder?.id() == first.id()) { "not a duplicate of ${first.id()}: $dup" }

            // another user with no email: another job, its null email stored as JSON null
            val noEmail = SendWelcomeEmail(userId = 43, email = null)
            val second = conn.inTransaction { awa.tryEnqueue(it, noEmail.toJob(awa)) }
            val secondRow = checkNotNull(second.row()) { "not inserted: $second" }
            check(secondRow.argsJson().contains("\"email\": null")) { "args: ${secondRow.argsJson()}" }

            // an exception rolls the job back with the transaction
            var rolledBack: Long? = null
            runCatching {
                conn.inTransaction { tx ->
                    rolledBack = awa.enqueue(tx, SendWelcomeEmail(userId = 44, email = "bob@example.com").toJob(awa)).id()
                    error("signup aborted")
                }
            }
            checkNotNull(rolledBack) { "nothing was enqueued before the rollback" }

            val expected = listOf(
                expect(awa.prepare(welcome.toJob(awa)), first.id()),
                expect(awa.prepare(noEmail.toJob(awa)), secondRow.id()),
            ) + awa.prepareMany(digest.map { it.toJob() }).zip(batch) { p, row -> expect(p, row.id()) }
            val out = mapOf(
                "expected" to expected, "absent" to listOfNotNull(rolledBack),
                "batch" to batch.size, "rolled_back" to 1, "duplicates" to 1,
            )
            println("RESULT " + Json.write(out))
        }
    }
}

/** What the library prepared for a job, for the test to compare with the stored row. */
fun expect(p: Prepared, id: Long): Map<String, Any?> = mapOf(
    "id" to id, "kind" to p.kind(), "queue" to p.queue(), "args" to p.argsJson(),
    "metadata" to p.metadataJson(), "state" to p.state(), "priority" to p.priority(),
    "max_attempts" to p.maxAttempts(), "tags" to p.tags(),
    "unique_key" to p.uniqueKey()?.let(Hex::encode), "unique_states" to p.uniqueStates(),
)
