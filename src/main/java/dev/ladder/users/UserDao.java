package dev.ladder.users;

import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

@RegisterConstructorMapper(User.class)
public interface UserDao {
    @SqlUpdate("""
            INSERT INTO users (id, handle, email, password_hash, created_at)
            VALUES (:id, :handle, :email, :passwordHash, :createdAt)
            """)
    void insert(@BindMethods User user);

    @SqlQuery("""
            SELECT id, handle, email, password_hash, created_at
            FROM users WHERE handle = :handle
            """)
    Optional<User> findByHandle(String handle);

    @SqlQuery("""
            SELECT id, handle, email, password_hash, created_at
            FROM users WHERE id = :id
            """)
    Optional<User> findById(long id);
}
